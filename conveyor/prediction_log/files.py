"""The JSONL log files at a location, for the prediction log's and the labels log's readers.

A location is one log (a local path or URI of its live file, with its rotated backups ``<name>.<n>`` beside it)
or a directory or prefix (ending in ``/``) of logs shipped there from several hosts: every ``*.jsonl`` and
``*.jsonl.<n>`` file below it, grouped by log. Each reader says which logs of a directory are its own.
"""

from __future__ import annotations

import glob
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fsspec import AbstractFileSystem

from conveyor.platform import storage

_LOG_FILE = re.compile(r"^(?P<log>.+\.jsonl)(?:\.(?P<index>\d+))?$")


def log_files(
    location: str | Path, key: str, select: Callable[[str], bool] = lambda log: True
) -> tuple[AbstractFileSystem, list[list[str]]]:
    """The filesystem and the files of each log at ``location``, every log's files oldest first.

    In a directory or prefix, only the logs whose live file's path ``select`` accepts; a single log is taken as
    named. ``key`` names the config key in errors.
    """
    fs, path = storage.filesystem(storage.locate(location), key)
    logs: dict[str, list[tuple[int, str]]] = {}
    if str(location).endswith("/") or fs.isdir(path):
        for file in fs.find(path):
            match = _LOG_FILE.match(file)
            if match is not None and select(match["log"]):
                logs.setdefault(match["log"], []).append((int(match["index"] or 0), file))
    else:
        suffixes = ((file[len(path) + 1 :], file) for file in fs.glob(f"{glob.escape(path)}.*"))
        backups = [(int(suffix), file) for suffix, file in suffixes if suffix.isdigit()]
        if backups or fs.exists(path):
            logs[path] = [*backups, *([(0, path)] if fs.exists(path) else [])]
    return fs, [[file for _, file in sorted(files, reverse=True)] for _, files in sorted(logs.items())]


def read_lines(fs: AbstractFileSystem, file: str) -> Iterator[dict[str, Any]]:
    """The JSON objects of one log file, in order; a torn line (written while the service stopped) is skipped."""
    try:
        with fs.open(file, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict):
                    yield entry
    except FileNotFoundError:
        return  # rotated away between listing and reading
