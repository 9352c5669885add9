"""Log lines of both tasks: a regressor's line has numbers and no probabilities, and reads back like any other."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from conveyor.prediction_log.format import ID_PATTERN, new_ids, records_of
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


def test_new_ids_are_unique_version_4_uuids_in_hex() -> None:
    ids = new_ids(5000)
    assert len(ids) == len(set(ids)) == 5000
    for value in ids[:200]:
        parsed = uuid.UUID(value)
        assert parsed.hex == value and re.match(ID_PATTERN, value)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert new_ids(0) == [] and len(new_ids(1)[0]) == 32


def test_each_record_of_a_line_has_its_id_and_old_lines_have_none() -> None:
    ids = ["a" * 32, "b" * 32]
    records = list(records_of({**REGRESSION, "id": ids}))
    assert [r["id"] for r in records] == ids
    assert [r["prediction"] for r in records] == [206.5, 69.25]
    single = {"ts": "t2", "model": "m", "version": "2", "id": "c" * 32, "features": {"bmi": 0.1}, "prediction": 1.0}
    assert [r["id"] for r in records_of(single)] == ["c" * 32]
    assert all("id" not in r for r in records_of(REGRESSION))  # logged before predictions had ids
