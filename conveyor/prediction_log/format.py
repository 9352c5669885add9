"""The prediction log's format: JSON lines that the service appends and the monitoring pipeline reads.

A line holds one predicted record::

    {"ts": "2026-11-23T21:00:00+00:00", "model": "conveyor-churn", "version": "3",
     "id": "4f0c1c5e9d8b4a3f9e2d7c6b5a493827",
     "features": {"tenure_months": 12.0, ...}, "prediction": "yes", "probabilities": {"no": 0.3, "yes": 0.7}}

or, as the service writes them, every record of one request column by column (``rows`` says how many)::

    {"ts": "...", "model": "conveyor-churn", "version": "3", "rows": 2,
     "id": ["4f0c1c5e9d8b4a3f9e2d7c6b5a493827", "0b3e..."],
     "features": {"tenure_months": [12.0, 3.0], ...}, "prediction": ["yes", "no"],
     "probabilities": {"no": [0.3, 0.8], "yes": [0.7, 0.2]}}

A regressor's line holds its numbers as ``prediction`` and no ``probabilities``::

    {"ts": "...", "model": "conveyor-diabetes", "version": "2", "rows": 2, "id": ["...", "..."],
     "features": {"bmi": [0.06, -0.05], ...}, "prediction": [206.1, 69.8]}

``id`` is the prediction's id (``new_ids``: a random UUID as 32 lowercase hex characters), the one the
service answered with; ground-truth labels refer to it (``conveyor.prediction_log.labels``). Lines written
before predictions had ids have none, and their records have no ``id``.

A line for a request sent with the header ``X-Conveyor-Traffic: synthetic`` (the deployment's parity check,
smoke tests) also holds ``"traffic": "synthetic"``. It is logged like any other, but ``read_features``, and so
the monitoring pipeline, leaves it out: made-up records are not live traffic and would read as drift.

Readers see records either way (``iter_records`` expands the columns).

The log is bounded: when ``predictions.jsonl`` passes ``max_bytes`` it is rotated to
``predictions.jsonl.1`` (older files shift up to ``.<backups>``; the oldest is deleted).

Beside the log the service writes the labels log ``labels.jsonl`` (``conveyor.prediction_log.labels``); in a
directory of shipped logs, files whose name ends in ``labels.jsonl`` are labels, every other ``*.jsonl`` is a
prediction log.

The service writes to a local file. The reader also takes a URI (``s3://bucket/logs/predictions.jsonl``,
through fsspec) or a directory or prefix of log files shipped there from several hosts
(``s3://bucket/prediction-logs/``), rotated backups included.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conveyor.platform.paths import state_dir

FILE_NAME = "predictions.jsonl"

TRAFFIC_HEADER = "X-Conveyor-Traffic"
SYNTHETIC = "synthetic"

ID_PATTERN = r"^[0-9a-f]{32}$"  # what ``new_ids`` makes: a version-4 UUID's hex form


def new_ids(count: int) -> list[str]:
    """``count`` new prediction ids: random (version 4, RFC 4122) UUIDs, each in its ``uuid.UUID.hex`` form.

    Made in one go: one ``os.urandom`` call for all of them (``uuid.uuid4`` makes one per id), then the version
    and variant bits are set.
    """
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes(byte & 0x0F | 0x40 for byte in raw[6::16])  # version 4
    raw[8::16] = bytes(byte & 0x3F | 0x80 for byte in raw[8::16])  # the RFC 4122 variant
    text = raw.hex()
    return [text[start : start + 32] for start in range(0, len(text), 32)]


def traffic_of(headers: Any) -> str | None:
    """``"synthetic"`` for a request that says so in ``TRAFFIC_HEADER`` (any case), else None (live traffic)."""
    value = headers.get(TRAFFIC_HEADER)
    return SYNTHETIC if value is not None and value.strip().lower() == SYNTHETIC else None


def default_path() -> Path:
    """Where the service writes its log unless configured otherwise."""
    return state_dir() / "predictions" / FILE_NAME


def rows_in(entry: dict[str, Any]) -> int:
    """How many predicted records one log line holds."""
    return int(entry.get("rows", 1))


def records_of(entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The records one log line holds, one dict each (with ``id`` and ``probabilities`` where the line has them)."""
    if "rows" not in entry:
        yield entry
        return
    head = {key: entry[key] for key in ("ts", "model", "version", "traffic") if key in entry}
    features, probabilities, ids = entry["features"], entry.get("probabilities"), entry.get("id")
    for index in range(entry["rows"]):
        record = {**head, **({"id": ids[index]} if ids is not None else {})}
        record["features"] = {name: values[index] for name, values in features.items()}
        record["prediction"] = entry["prediction"][index]
        if probabilities is not None:
            record["probabilities"] = {label: values[index] for label, values in probabilities.items()}
        yield record
