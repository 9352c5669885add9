"""Reading the prediction log: one file, its rotated backups, or a directory or prefix of shipped logs.

The reader takes a local path or a URI (``s3://bucket/logs/predictions.jsonl``, through fsspec); a directory or
prefix (``s3://bucket/prediction-logs/``) of logs shipped there from several hosts is read whole, rotated
backups included, except the labels logs in it (``labels.is_labels_log``). Records logged as synthetic traffic
are left out of ``read_features``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from fsspec import AbstractFileSystem

from conveyor.prediction_log import files
from conveyor.prediction_log.format import SYNTHETIC, records_of
from conveyor.prediction_log.labels import is_labels_log

logger = logging.getLogger(__name__)


def _is_prediction_log(path: str) -> bool:
    return not is_labels_log(path)


def log_files(location: str | Path, key: str = "current.path") -> tuple[AbstractFileSystem, list[list[str]]]:
    """The filesystem and the files of each prediction log at ``location``, every log's files oldest first.

    ``location`` is one log (a local path or URI of the live file; its rotated backups ``<name>.<n>`` beside
    it are included) or a directory or prefix (ending in ``/``) of shipped logs: every ``*.jsonl`` and
    ``*.jsonl.<n>`` file below it except the labels logs, grouped by log.
    """
    return files.log_files(location, key, select=_is_prediction_log)


def _read(fs: AbstractFileSystem, file: str) -> Iterator[dict[str, Any]]:
    for entry in files.read_lines(fs, file):
        yield from records_of(entry)


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
    records = [record for log in logs for file in log for record in _read(fs, file)]
    yield from sorted(records, key=lambda r: str(r.get("ts") or ""))


def read_features(
    location: str | Path, last: int | None = None, version: str | None = None, synthetic: bool = False
) -> pd.DataFrame:
    """The logged feature rows (newest ``last`` of them), optionally for one model version only.

    Besides the features, ``_prediction``, ``_ts``, ``_version``, ``_id`` (the prediction's id; None on lines
    logged before ids existed) and ``_probabilities`` (a classifier's class -> probability dict, else None).

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
            {
                **r["features"],
                "_prediction": r.get("prediction"),
                "_ts": r.get("ts"),
                "_version": r.get("version"),
                "_id": r.get("id"),
                "_probabilities": r.get("probabilities"),
            }
        )
    if left_out:
        logger.info("Left out %d synthetic record(s) of the prediction log (parity checks, smoke tests)", left_out)
    frame = pd.DataFrame(rows)
    return frame.tail(last).reset_index(drop=True) if last is not None else frame
