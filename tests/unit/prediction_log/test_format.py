"""Log lines of both tasks: a regressor's line has numbers and no probabilities, and reads back like any other."""

from __future__ import annotations

import json
from pathlib import Path

from conveyor.prediction_log.format import records_of
from conveyor.prediction_log.reader import iter_records, read_features

REGRESSION = {"ts": "t1", "model": "m", "version": "2", "rows": 2, "features": {"bmi": [0.06, None]},
              "prediction": [206.5, 69.25]}
CLASSIFICATION = {"ts": "t0", "model": "c", "version": "1", "rows": 1, "features": {"bmi": [0.01]},
                  "prediction": ["yes"], "probabilities": {"no": [0.3], "yes": [0.7]}}


def test_a_regression_line_expands_to_records_without_probabilities() -> None:
    assert list(records_of(REGRESSION)) == [
        {"ts": "t1", "model": "m", "version": "2", "features": {"bmi": 0.06}, "prediction": 206.5},
        {"ts": "t1", "model": "m", "version": "2", "features": {"bmi": None}, "prediction": 69.25},
    ]
    single = {"ts": "t2", "model": "m", "version": "2", "features": {"bmi": 0.1}, "prediction": 100.0}
    assert list(records_of(single)) == [single]


def test_lines_of_both_tasks_read_back_side_by_side(tmp_path: Path) -> None:
    log = tmp_path / "predictions.jsonl"
    log.write_text("".join(json.dumps(entry) + "\n" for entry in (CLASSIFICATION, REGRESSION)))
    records = list(iter_records(log))
    assert [r["prediction"] for r in records] == ["yes", 206.5, 69.25]
    assert records[0]["probabilities"] == {"no": 0.3, "yes": 0.7}
    assert "probabilities" not in records[1]
    numbers = read_features(log, version="2")
    assert numbers["_prediction"].tolist() == [206.5, 69.25]
    assert numbers["bmi"].iloc[0] == 0.06 and numbers["bmi"].isna().iloc[1]
