"""The prediction log: JSON lines that the service appends and the monitoring pipeline reads.

A line holds one predicted record::

    {"ts": "2026-11-23T21:00:00+00:00", "model": "conveyor-churn", "version": "3",
     "features": {"tenure_months": 12.0, ...}, "prediction": "yes", "probabilities": {"no": 0.3, "yes": 0.7}}

or, as the service writes them, every record of one model call column by column (``rows`` says how many)::

    {"ts": "...", "model": "conveyor-churn", "version": "3", "rows": 2,
     "features": {"tenure_months": [12.0, 3.0], ...}, "prediction": ["yes", "no"],
     "probabilities": {"no": [0.3, 0.8], "yes": [0.7, 0.2]}}

A line for a request sent with the header ``X-Conveyor-Traffic: synthetic`` (the deployment's parity check,
smoke tests) also holds ``"traffic": "synthetic"``. It is logged like any other, but ``read_features``, and so
the monitoring pipeline, leaves it out: made-up records are not live traffic and would read as drift.

Readers see records either way (``iter_records`` expands the columns). A line per model call is what
lets logging keep up with the service: encoding thousands of small objects cost the service as much CPU
as the model (bench/serving.py).

The log is bounded: when ``predictions.jsonl`` passes ``max_bytes`` it is rotated to
``predictions.jsonl.1`` (older files shift up to ``.<backups>``; the oldest is deleted).

The service writes to a local file. The reader also takes a URI (``s3://bucket/logs/predictions.jsonl``,
through fsspec) or a directory or prefix of log files shipped there from several hosts
(``s3://bucket/prediction-logs/``), rotated backups included.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from fsspec import AbstractFileSystem
from pydantic_core import to_json

from conveyor import storage
from conveyor.paths import state_dir

logger = logging.getLogger(__name__)

FILE_NAME = "predictions.jsonl"

TRAFFIC_HEADER = "X-Conveyor-Traffic"
SYNTHETIC = "synthetic"


def traffic_of(headers: Any) -> str | None:
    """``"synthetic"`` for a request that says so in ``TRAFFIC_HEADER`` (any case), else None (live traffic)."""
    value = headers.get(TRAFFIC_HEADER)
    return SYNTHETIC if value is not None and value.strip().lower() == SYNTHETIC else None


_LOG_FILE = re.compile(r"^(?P<log>.+\.jsonl)(?:\.(?P<index>\d+))?$")


def default_path() -> Path:
    """Where the service writes its log unless configured otherwise."""
    return state_dir() / "predictions" / FILE_NAME


class PredictionLogWriter:
    """Appends records and rotates by size. Not thread-safe: give it one writer thread."""

    def __init__(self, path: Path, max_bytes: int = 50_000_000, backups: int = 5):
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups

    def _rotate(self) -> None:
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Write entries (records, or column-wise batches) as JSON lines; raises OSError when the disk refuses
        (callers decide what to do)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
            self._rotate()
        # pydantic-core's encoder: a quarter of the cost of json.dumps, on the service's CPU (bench/serving.py)
        lines = b"".join(to_json(r, fallback=str) + b"\n" for r in records)
        with open(self.path, "ab") as handle:
            handle.write(lines)


def log_files(location: str | Path, key: str = "current.path") -> tuple[AbstractFileSystem, list[list[str]]]:
    """The filesystem and the files of each log at ``location``, every log's files oldest first.

    ``location`` is one log (a local path or URI of the live file; its rotated backups ``<name>.<n>`` beside
    it are included) or a directory or prefix (ending in ``/``) of shipped logs: every ``*.jsonl`` and
    ``*.jsonl.<n>`` file below it, grouped by log.
    """
    fs, path = storage.filesystem(storage.locate(location), key)
    logs: dict[str, list[tuple[int, str]]] = {}
    if str(location).endswith("/") or fs.isdir(path):
        for file in fs.find(path):
            match = _LOG_FILE.match(file)
            if match is not None:
                logs.setdefault(match["log"], []).append((int(match["index"] or 0), file))
    else:
        suffixes = ((file[len(path) + 1 :], file) for file in fs.glob(f"{glob.escape(path)}.*"))
        backups = [(int(suffix), file) for suffix, file in suffixes if suffix.isdigit()]
        if backups or fs.exists(path):
            logs[path] = [*backups, *([(0, path)] if fs.exists(path) else [])]
    return fs, [[file for _, file in sorted(files, reverse=True)] for _, files in sorted(logs.items())]


def rows_in(entry: dict[str, Any]) -> int:
    """How many predicted records one log line holds."""
    return int(entry.get("rows", 1))


def _records(entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "rows" not in entry:
        yield entry
        return
    head = {key: entry[key] for key in ("ts", "model", "version", "traffic") if key in entry}
    features, probabilities = entry["features"], entry["probabilities"]
    for index in range(entry["rows"]):
        yield {
            **head,
            "features": {name: values[index] for name, values in features.items()},
            "prediction": entry["prediction"][index],
            "probabilities": {label: values[index] for label, values in probabilities.items()},
        }


def _read(fs: AbstractFileSystem, file: str) -> Iterator[dict[str, Any]]:
    try:
        with fs.open(file, "rt", encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line, written while the service was stopped
                yield from _records(entry)
    except FileNotFoundError:
        return  # rotated away between listing and reading


def iter_records(location: str | Path, key: str = "current.path") -> Iterator[dict[str, Any]]:
    """Every record at ``location`` (see ``log_files``), oldest first; a torn last line is skipped.

    One log is read in its own order; the records of several logs (shipped from several hosts) are merged
    by their timestamp ``ts``.
    """
    fs, logs = log_files(location, key)
    if len(logs) == 1:
        for file in logs[0]:
            yield from _read(fs, file)
        return
    records = [record for files in logs for file in files for record in _read(fs, file)]
    yield from sorted(records, key=lambda r: str(r.get("ts") or ""))


def read_features(
    location: str | Path, last: int | None = None, version: str | None = None, synthetic: bool = False
) -> pd.DataFrame:
    """The logged feature rows (newest ``last`` of them), optionally for one model version only.

    Rows logged as synthetic traffic are left out unless ``synthetic`` is true.
    """
    rows, left_out = [], 0
    for r in iter_records(location):
        if version is not None and str(r.get("version")) != str(version):
            continue
        if not synthetic and r.get("traffic") == SYNTHETIC:
            left_out += 1
            continue
        rows.append(
            {**r["features"], "_prediction": r.get("prediction"), "_ts": r.get("ts"), "_version": r.get("version")}
        )
    if left_out:
        logger.info("Left out %d synthetic record(s) of the prediction log (parity checks, smoke tests)", left_out)
    frame = pd.DataFrame(rows)
    return frame.tail(last).reset_index(drop=True) if last is not None else frame
