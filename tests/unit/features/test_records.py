"""Record validation against a stored feature schema: one record, and a whole table from a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conveyor.features.records import PROBLEMS, ROW, check_record, model_input, read_table, split_frame

SCHEMA = {
    "target": "churned",
    "classes": ["no", "yes"],
    "features": [
        {"name": "tenure", "kind": "numeric", "dtype": "float64", "nullable": False, "integer": False},
        {"name": "age", "kind": "numeric", "dtype": "float64", "nullable": True, "integer": False},
        {"name": "contract", "kind": "categorical", "dtype": "object", "nullable": False, "categories": ["a", "b"]},
    ],
}
GOOD = {"tenure": 3.5, "age": None, "contract": "a"}


def test_a_valid_record_has_no_problems() -> None:
    assert check_record(GOOD, SCHEMA) == []
    assert check_record({"tenure": 3, "contract": "b"}, SCHEMA) == []  # ints are numbers; nullable may be left out


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"tenure": None}, "'tenure' is required"),
        ({"tenure": "3.5"}, "'tenure' must be a number"),
        ({"tenure": True}, "'tenure' must be a number"),
        ({"tenure": float("inf")}, "'tenure' must be a finite number"),
        ({"contract": "c"}, "'contract' must be one of a, b"),
        ({"contract": 1}, "'contract' must be a string"),
        ({"extra": 1}, "'extra' is not a feature"),
    ],
)
def test_each_broken_rule_names_its_field(change: dict, needle: str) -> None:
    problems = check_record({**GOOD, **change}, SCHEMA)
    assert len(problems) == 1 and needle in problems[0]


def test_extra_fields_may_be_allowed() -> None:
    assert check_record({**GOOD, "id": 7}, SCHEMA, allow_extra=True) == []


def test_split_keeps_every_row_and_reports_the_invalid_ones(tmp_path: Path) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("id,tenure,age,contract\n1,3.5,40,a\n2,twelve,,b\n3,,30,a\n4,1,,z\n5,2,,b\n")
    frame = read_table(path, SCHEMA)
    valid, invalid = split_frame(frame, SCHEMA)
    assert list(valid[ROW]) == [0, 4] and list(valid["id"]) == [1, 5]
    assert valid["tenure"].dtype == "float64"
    assert list(invalid[ROW]) == [1, 2, 3]
    assert "'tenure' must be a number, got 'twelve'" in invalid.loc[0, PROBLEMS]
    assert invalid.loc[1, PROBLEMS] == "'tenure' is required"
    assert "'contract' must be one of a, b; got 'z'" in invalid.loc[2, PROBLEMS]
    assert len(valid) + len(invalid) == len(frame)
    invalid.to_parquet(tmp_path / "invalid.parquet")  # one type per column: storable as an artifact


def test_a_missing_column_makes_every_row_invalid() -> None:
    valid, invalid = split_frame(pd.DataFrame({"tenure": [1.0, 2.0], "age": [1.0, np.nan]}), SCHEMA)
    assert valid.empty and all("'contract' is missing" in p for p in invalid[PROBLEMS])


def test_the_same_rules_for_one_record_and_a_table() -> None:
    records = [GOOD, {**GOOD, "tenure": "x"}, {**GOOD, "contract": "c"}, {**GOOD, "tenure": None}]
    frame = pd.DataFrame(records)
    _, invalid = split_frame(frame, SCHEMA)
    assert list(invalid[ROW]) == [i for i, r in enumerate(records) if check_record(r, SCHEMA)]


def test_model_input_types_columns_like_training() -> None:
    x = model_input(pd.DataFrame([GOOD]), SCHEMA)
    assert list(x.columns) == ["tenure", "age", "contract"]
    assert x["age"].dtype == "float64" and np.isnan(x.loc[0, "age"])


@pytest.mark.parametrize(
    "record",
    [
        GOOD,
        {"tenure": 3, "contract": "b"},
        {**GOOD, "tenure": None},
        {**GOOD, "tenure": "3.5"},
        {**GOOD, "tenure": True},
        {**GOOD, "tenure": float("inf")},
        {**GOOD, "tenure": float("nan")},
        {**GOOD, "contract": "c"},
        {**GOOD, "contract": 1},
        {**GOOD, "extra": 1},
        {"age": 3.0, "contract": "a"},
    ],
)
def test_the_service_request_model_agrees(record: dict) -> None:
    """The service validates requests with a pydantic type built from the same schema; both must agree."""
    from pydantic import TypeAdapter, ValidationError

    from conveyor.features.requests import record_type

    try:
        TypeAdapter(record_type(SCHEMA)).validate_python(record)
        service_accepts = True
    except ValidationError:
        service_accepts = False
    assert service_accepts == (check_record(record, SCHEMA) == [])
