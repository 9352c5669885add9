"""The prediction log's format: JSON lines that the service appends and the monitoring pipeline reads.

A line holds one predicted record::

    {"ts": "2026-11-23T21:00:00+00:00", "model": "conveyor-churn", "version": "3",
     "features": {"tenure_months": 12.0, ...}, "prediction": "yes", "probabilities": {"no": 0.3, "yes": 0.7}}

or, as the service writes them, every record of one model call column by column (``rows`` says how many)::

    {"ts": "...", "model": "conveyor-churn", "version": "3", "rows": 2,
     "features": {"tenure_months": [12.0, 3.0], ...}, "prediction": ["yes", "no"],
     "probabilities": {"no": [0.3, 0.8], "yes": [0.7, 0.2]}}

A regressor's line holds its numbers as ``prediction`` and no ``probabilities``::

    {"ts": "...", "model": "conveyor-diabetes", "version": "2", "rows": 2,
     "features": {"bmi": [0.06, -0.05], ...}, "prediction": [206.1, 69.8]}

A line for a request sent with the header ``X-Conveyor-Traffic: synthetic`` (the deployment's parity check,
smoke tests) also holds ``"traffic": "synthetic"``. It is logged like any other, but ``read_features``, and so
the monitoring pipeline, leaves it out: made-up records are not live traffic and would read as drift.

Readers see records either way (``iter_records`` expands the columns).

The log is bounded: when ``predictions.jsonl`` passes ``max_bytes`` it is rotated to
``predictions.jsonl.1`` (older files shift up to ``.<backups>``; the oldest is deleted).

The service writes to a local file. The reader also takes a URI (``s3://bucket/logs/predictions.jsonl``,
through fsspec) or a directory or prefix of log files shipped there from several hosts
(``s3://bucket/prediction-logs/``), rotated backups included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from conveyor.platform.paths import state_dir

FILE_NAME = "predictions.jsonl"

TRAFFIC_HEADER = "X-Conveyor-Traffic"
SYNTHETIC = "synthetic"


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
    """The records one log line holds, one dict each (with ``probabilities`` where the line has them)."""
    if "rows" not in entry:
        yield entry
        return
    head = {key: entry[key] for key in ("ts", "model", "version", "traffic") if key in entry}
    features, probabilities = entry["features"], entry.get("probabilities")
    for index in range(entry["rows"]):
        record = {
            **head,
            "features": {name: values[index] for name, values in features.items()},
            "prediction": entry["prediction"][index],
        }
        if probabilities is not None:
            record["probabilities"] = {label: values[index] for label, values in probabilities.items()}
        yield record
