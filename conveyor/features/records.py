"""Record validation against the feature schema stored with a model version: one set of rules for every caller.

The rules (the same as the service's request models in ``conveyor.features.requests``):

- every feature of the schema is a field; a feature that was never missing in the training data
  (``nullable: false``) must have a value, a nullable one may be null or left out;
- a numeric feature takes a number (an int or a float, not a bool, not a string, not NaN or infinity);
- a categorical feature takes a string from the schema's ``categories`` (unless the feature says
  ``allow_unknown``);
- a field that is not a feature is refused by the service (``allow_extra=False``) and carried along by
  batch inference (ids and labels sit beside the features in a file).

``check_record`` checks one record (a dict); ``split_frame`` checks every row of a table and returns the
valid rows and a report of the invalid ones, never dropping a row silently.
"""

from __future__ import annotations

import math
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

ROW = "row"
PROBLEMS = "problems"


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def value_problem(feature: dict[str, Any], value: Any) -> str | None:
    """What is wrong with ``value`` for ``feature``, or None when it is acceptable."""
    name = feature["name"]
    if _is_null(value):
        return None if feature.get("nullable") else f"'{name}' is required"
    if feature["kind"] == "numeric":
        if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
            return f"'{name}' must be a number, got {value!r}"
        if not math.isfinite(float(value)):
            return f"'{name}' must be a finite number, got {value!r}"
        return None
    if not isinstance(value, str):
        return f"'{name}' must be a string, got {value!r}"
    categories = feature.get("categories") or []
    if categories and not feature.get("allow_unknown", False) and value not in categories:
        shown = ", ".join(categories[:10]) + (" ..." if len(categories) > 10 else "")
        return f"'{name}' must be one of {shown}; got {value!r}"
    return None


def check_record(record: dict[str, Any], schema: dict[str, Any], allow_extra: bool = False) -> list[str]:
    """Every problem of one record (empty when valid), each naming its field."""
    problems = [
        problem
        for feature in schema["features"]
        if (problem := value_problem(feature, record.get(feature["name"]))) is not None
    ]
    if not allow_extra:
        names = {f["name"] for f in schema["features"]}
        problems += [f"'{key}' is not a feature of this model" for key in record if key not in names]
    return problems


def _column_problems(feature: dict[str, Any], values: pd.Series) -> pd.Series:
    """Per row: the problem of this column's value, or None; numeric dtypes take a fast path."""
    if feature["kind"] == "numeric" and ptypes.is_numeric_dtype(values) and not ptypes.is_bool_dtype(values):
        as_float = values.astype("float64")
        problems = pd.Series(None, index=values.index, dtype=object)
        infinite = np.isinf(as_float)
        problems[infinite] = [f"'{feature['name']}' must be a finite number, got {v!r}" for v in values[infinite]]
        if not feature.get("nullable"):
            problems[as_float.isna()] = f"'{feature['name']}' is required"
        return problems
    return values.map(lambda v: value_problem(feature, v)).astype(object)


def split_frame(frame: pd.DataFrame, schema: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, invalid rows) of ``frame``; both keep every input column plus ``row`` (0-based position).

    The invalid rows also get ``problems``: every problem of that row, joined by "; ".
    """
    positions = pd.Series(range(len(frame)), index=frame.index)
    frame = frame.copy()
    text_numeric = [
        f["name"]
        for f in schema["features"]
        if f["kind"] == "numeric" and f["name"] in frame.columns and frame[f["name"]].dtype == object
    ]
    for name in text_numeric:  # text from a file: numbers written as text are numbers
        frame[name] = frame[name].map(_parse_number).astype(object)
    per_row: list[pd.Series] = []
    for feature in schema["features"]:
        name = feature["name"]
        if name in frame.columns:
            per_row.append(_column_problems(feature, frame[name]))
        else:
            per_row.append(pd.Series(f"'{name}' is missing: the input has no such column", index=frame.index))
    if per_row:
        table = pd.concat(per_row, axis=1)
        joined = table.apply(lambda row: "; ".join(p for p in row if isinstance(p, str)), axis=1)
    else:
        joined = pd.Series("", index=frame.index)
    bad = joined.astype(str) != ""
    valid = frame[~bad].assign(**{ROW: positions[~bad]})
    valid = valid.astype({name: "float64" for name in text_numeric})
    invalid = frame[bad].assign(**{ROW: positions[bad], PROBLEMS: joined[bad]})
    for name in text_numeric:  # one type per column, so the report can be stored as Parquet
        invalid[name] = invalid[name].map(lambda v: v if _is_null(v) else str(v)).astype(object)
    invalid = invalid[[ROW, PROBLEMS, *(c for c in invalid.columns if c not in (ROW, PROBLEMS))]]
    return valid.reset_index(drop=True), invalid.reset_index(drop=True)


def model_input(frame: pd.DataFrame, schema: dict[str, Any]) -> pd.DataFrame:
    """The feature columns as the sklearn Pipeline was trained on them: floats and objects, NaN for missing."""
    out = pd.DataFrame(index=frame.index)
    for feature in schema["features"]:
        name = feature["name"]
        values = frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index)
        if feature["kind"] == "numeric":
            out[name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[name] = values.astype(object).where(values.notna(), np.nan)
    return out


def _parse_number(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        return value  # kept as text, so the row is reported with the value it had


def read_table(path: str | Path, schema: dict[str, Any], key: str = "input.path") -> pd.DataFrame:
    """A CSV or Parquet file of records (a local path or a URI), typed by the schema where the format has no types.

    Categorical features are read as strings. A numeric column with one bad cell comes back as text;
    ``split_frame`` parses it cell by cell, so that cell is reported on its own row. ``key`` names the
    config key of the path in errors.
    """
    from conveyor.platform import storage

    location = storage.locate(path)
    if location.endswith(".parquet"):
        return storage.read_table(location, "parquet", key)
    categorical = {f["name"]: str for f in schema["features"] if f["kind"] == "categorical"}
    return storage.read_table(location, "csv", key, dtype=categorical)
