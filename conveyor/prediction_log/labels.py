"""The labels log: ground-truth labels by prediction id, which the service appends and monitoring reads.

``POST /feedback`` appends one JSON line per label to ``labels.jsonl`` in the prediction log's directory
(``labels_path``)::

    {"ts": "2026-11-23T21:05:00+00:00", "id": "4f0c1c5e9d8b4a3f9e2d7c6b5a493827", "label": "yes",
     "model": "conveyor-churn", "version": "3"}

``id`` is a prediction's id (``format.new_ids``), ``label`` a class name (a classifier's) or a number (a
regressor's), ``model`` and ``version`` the service that took the label, ``ts`` when it took it (UTC). A label
may come before or after its prediction is logged, or for a prediction another replica made; it is kept
either way, and the same id may be labelled more than once (readers see every line; matching and which label
wins is the monitoring pipeline's business).

``LabelsLog`` appends synchronously under a lock, with the prediction log's writer (``durable``: on disk when
``append`` returns) and its rotation (``labels.jsonl`` -> ``labels.jsonl.1`` ... by size). ``read_labels``
reads a file, its rotated backups, or a directory or prefix of shipped logs (the files named ``*labels.jsonl``
in it), as ``reader.iter_records`` reads the prediction log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import pandas as pd

from conveyor.platform.paths import resolve_path
from conveyor.platform.storage import is_uri
from conveyor.prediction_log.files import log_files, read_lines
from conveyor.prediction_log.writer import PredictionLogWriter

LABELS_FILE_NAME = "labels.jsonl"
COLUMNS = ["id", "label", "ts"]


def is_labels_log(path: str) -> bool:
    """Whether the live file at ``path`` is a labels log (its name ends in ``labels.jsonl``)."""
    return path.rpartition("/")[2].endswith(LABELS_FILE_NAME)


@overload
def labels_path(prediction_log: Path) -> Path: ...
@overload
def labels_path(prediction_log: str) -> str: ...
def labels_path(prediction_log: str | Path) -> str | Path:
    """Where the labels are for a prediction log: ``labels.jsonl`` beside a log file (a path or URI); a
    directory or prefix (ending in ``/``) of shipped logs as it is, since ``read_labels`` picks its labels logs."""
    if isinstance(prediction_log, Path):
        return prediction_log if prediction_log.is_dir() else prediction_log.with_name(LABELS_FILE_NAME)
    if prediction_log.endswith("/") or (not is_uri(prediction_log) and resolve_path(prediction_log).is_dir()):
        return prediction_log
    head, slash, _ = prediction_log.rpartition("/")
    return f"{head}{slash}{LABELS_FILE_NAME}"


class LabelsLog:
    """Appends labels to the labels log at ``path``; each ``append`` is on disk before it returns."""

    def __init__(self, path: Path, max_bytes: int = 50_000_000, backups: int = 5):
        self.writer = PredictionLogWriter(path, max_bytes, backups, durable=True)
        self.path = self.writer.path

    def append(self, labels: Iterable[Mapping[str, Any]], model: str, version: str) -> int:
        """Write one line per label (``id`` and ``label`` of each), stamped now; how many were written.

        Raises OSError when the disk refuses, and then none of them counts as taken.
        """
        ts = datetime.now(UTC).isoformat()
        entries = [
            {"ts": ts, "id": label["id"], "label": label["label"], "model": model, "version": version}
            for label in labels
        ]
        with self.writer.lock:  # one append (and rotation) at a time in this process
            self.writer.append(entries)
        return len(entries)

    def close(self) -> None:
        self.writer.close()


def read_labels(location: str | Path, key: str = "current.path") -> pd.DataFrame:
    """Every label at ``location`` as columns ``id``, ``label``, ``ts``, in the order they arrived, duplicates kept.

    ``location`` is a labels log (its rotated backups included) or a directory or prefix of shipped logs, of
    which the ``*labels.jsonl`` files are read; the lines of several logs are merged by ``ts``. A torn line, or
    one without ``id`` and ``label``, is skipped. ``key`` names the config key in errors.
    """
    fs, logs = log_files(location, key, select=is_labels_log)
    per_log = [
        [
            {"id": entry["id"], "label": entry["label"], "ts": entry.get("ts")}
            for file in files
            for entry in read_lines(fs, file)
            if "id" in entry and "label" in entry
        ]
        for files in logs
    ]
    rows = [row for rows in per_log for row in rows]
    if len(per_log) > 1:
        rows.sort(key=lambda row: str(row["ts"] or ""))  # stable: one log's labels keep their order
    return pd.DataFrame(rows, columns=COLUMNS)
