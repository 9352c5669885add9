"""Data sources and the validation rules, on small frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conveyor.config import DataSource, Features, Validation
from conveyor.errors import DataSourceError
from conveyor.training.data import generate_churn, load_source
from conveyor.training.validation import find_violations

FEATURES = Features(numeric=["x"], categorical=["c"])
RULES = Validation.model_validate(
    {"min_rows": 3, "max_missing": 0.0, "columns": {"x": {"min": 0, "max": 10}, "c": {"allowed": ["a", "b"]}}}
)


def test_churn_generator_is_seeded_and_realistic() -> None:
    first, again, other = generate_churn(500, seed=3), generate_churn(500, seed=3), generate_churn(500, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)
    assert set(first["churned"]) == {"yes", "no"}
    assert 0.1 < (first["churned"] == "yes").mean() < 0.6
    assert first[["monthly_charges", "age"]].isna().any().all()


def test_churn_drift_shifts_the_distribution() -> None:
    base, shifted = generate_churn(2000, seed=1), generate_churn(2000, seed=1, drift=1.0)
    assert shifted["monthly_charges"].mean() > base["monthly_charges"].mean() + 15
    assert shifted["support_calls"].mean() > base["support_calls"].mean() + 1


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_file_sources_round_trip(tmp_path: Path, kind: str) -> None:
    frame = generate_churn(50, seed=0)
    path = tmp_path / f"data.{kind}"
    frame.to_csv(path, index=False) if kind == "csv" else frame.to_parquet(path)
    loaded = load_source(DataSource(kind=kind, path=str(path)), seed=0)
    assert loaded.shape == frame.shape


def test_sklearn_source_and_unknown_names(tmp_path: Path) -> None:
    iris = load_source(DataSource(kind="sklearn", name="iris"), seed=0)
    assert {"sepal_length_cm", "target"} <= set(iris.columns)
    with pytest.raises(DataSourceError, match="unknown scikit-learn dataset 'mnist'"):
        load_source(DataSource(kind="sklearn", name="mnist"), seed=0)
    with pytest.raises(DataSourceError, match="does not exist"):
        load_source(DataSource(kind="csv", path=str(tmp_path / "nope.csv")), seed=0)


def test_valid_frame_has_no_violations() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"], "y": [0, 1, 0]})
    assert find_violations(frame, "y", FEATURES, RULES) == []


def test_every_violation_is_listed() -> None:
    frame = pd.DataFrame({"x": [-1.0, np.nan, 30.0], "c": ["a", "z", "a"], "y": [1, 1, 1]})
    violations = find_violations(frame, "y", FEATURES, RULES)
    text = "\n".join(violations)
    assert len(violations) == 5
    for needle in ("missing values", "below the minimum", "above the maximum", "allowed categories: z", "two classes"):
        assert needle in text


def test_missing_columns_wrong_dtype_and_too_few_rows() -> None:
    frame = pd.DataFrame({"x": ["one", "two"], "y": [0, 1]})
    violations = find_violations(frame, "y", FEATURES, RULES)
    assert any("fewer than the minimum 3" in v for v in violations)
    assert any("missing column(s): c" in v for v in violations)
    assert any("expected a numeric dtype" in v for v in violations)
