"""The prediction log: JSON lines that the service appends and the monitoring pipeline reads.

One line per predicted record::

    {"ts": "2026-11-23T21:00:00+00:00", "model": "conveyor-churn", "version": "3",
     "features": {"tenure_months": 12.0, ...}, "prediction": "yes", "probabilities": {"no": 0.3, "yes": 0.7}}

The log is bounded: when ``predictions.jsonl`` passes ``max_bytes`` it is rotated to
``predictions.jsonl.1`` (older files shift up to ``.<backups>``; the oldest is deleted).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from conveyor.paths import state_dir

FILE_NAME = "predictions.jsonl"


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
        """Write records as JSON lines; raises OSError when the disk refuses (callers decide what to do)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
            self._rotate()
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write("".join(json.dumps(r, default=str) + "\n" for r in records))


def _files_oldest_first(path: Path) -> list[Path]:
    rotated = sorted(
        path.parent.glob(f"{path.name}.*"), key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0
    )
    return [*reversed(rotated), path]


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record in the log and its rotated files, oldest first; a torn last line is skipped."""
    for file in _files_oldest_first(path):
        if not file.exists():
            continue
        with open(file, encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue


def read_features(path: Path, last: int | None = None, version: str | None = None) -> pd.DataFrame:
    """The logged feature rows (newest ``last`` of them), optionally for one model version only."""
    rows = [
        {**r["features"], "_prediction": r.get("prediction"), "_ts": r.get("ts"), "_version": r.get("version")}
        for r in iter_records(path)
        if version is None or str(r.get("version")) == str(version)
    ]
    frame = pd.DataFrame(rows)
    return frame.tail(last).reset_index(drop=True) if last is not None else frame
