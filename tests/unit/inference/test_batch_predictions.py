"""The predictions table of batch inference, for both tasks, on tiny fitted pipelines (no pipeline run)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from conveyor.config import Features
from conveyor.features.records import PROBLEMS, ROW, split_frame
from conveyor.features.schema import feature_schema
from conveyor.inference.batch import BatchModel, invalid_path, output_name, predict_frame, prediction_column
from conveyor.prediction_log.format import ID_PATTERN
from conveyor.training.data import generate_churn
from conveyor.training.models import build_pipeline

DIABETES = Features(numeric=["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])
CHURN = Features(numeric=["tenure_months", "monthly_charges", "support_calls", "age"], categorical=["contract"])


@pytest.fixture(scope="module")
def diabetes() -> pd.DataFrame:
    return load_diabetes(as_frame=True).frame.head(100)


def fitted(frame: pd.DataFrame, features: Features, target: str, task: str) -> tuple[object, dict]:
    model = build_pipeline("random_forest", features, seed=0, task=task)
    model.fit(frame[features.all], frame[target])
    return model, feature_schema(frame, features, target, task=task)


def test_a_regression_champion_writes_numbers_and_no_probabilities(diabetes: pd.DataFrame) -> None:
    model, schema = fitted(diabetes, DIABETES, "target", "regression")
    batch = diabetes.drop(columns=["target"]).head(12).copy()
    batch.insert(0, "patient", [f"p{i}" for i in range(len(batch))])
    batch.loc[3, "bmi"] = np.nan  # bmi was never missing in training: an invalid row
    valid, invalid = split_frame(batch, schema)
    assert list(invalid[ROW]) == [3] and "bmi" in invalid[PROBLEMS][0]

    out = predict_frame(model, valid, schema, "7")
    assert list(out.columns) == [ROW, "patient", *DIABETES.numeric, "id", "prediction", "model_version"]
    assert out["id"].nunique() == len(out) and out["id"].str.fullmatch(ID_PATTERN).all()
    assert out["prediction"].dtype == "float64"
    np.testing.assert_allclose(out["prediction"], model.predict(valid[DIABETES.numeric]))
    assert set(out["model_version"]) == {"7"} and len(out) == 11
    assert BatchModel(model="m", version="7", feature_schema=schema).task == "regression"


def test_no_valid_rows_still_gives_a_regression_prediction_column(diabetes: pd.DataFrame) -> None:
    model, schema = fitted(diabetes, DIABETES, "target", "regression")
    empty = split_frame(diabetes.drop(columns=["target"]).head(0), schema)[0]
    out = predict_frame(model, empty, schema, "7")
    assert len(out) == 0 and out["prediction"].dtype == "float64" and {"id", "model_version"} <= set(out.columns)


def test_a_classification_champion_writes_the_class_and_one_probability_per_class() -> None:
    frame = generate_churn(120, seed=1)
    model, schema = fitted(frame, CHURN, "churned", "classification")
    valid, _ = split_frame(frame.drop(columns=["churned"]).head(10), schema)
    out = predict_frame(model, valid, schema, "3")
    inputs = [c for c in valid.columns if c != ROW]
    assert list(out.columns) == [ROW, *inputs, "id", "prediction", "proba_no", "proba_yes", "model_version"]
    assert out["id"].nunique() == len(out)
    x = valid[CHURN.all]
    assert list(out["prediction"]) == list(model.predict(x))
    np.testing.assert_allclose(out[["proba_no", "proba_yes"]].to_numpy(), model.predict_proba(x))
    assert BatchModel(model="m", version="3", feature_schema=schema).task == "classification"


def test_an_output_column_never_replaces_a_feature(diabetes: pd.DataFrame) -> None:
    frame = diabetes.rename(columns={"s6": "prediction", "s5": "model_version"})
    features = Features(numeric=["age", "bmi", "prediction", "model_version"])
    model, schema = fitted(frame, features, "target", "regression")
    assert prediction_column(schema) == "_prediction" and output_name("model_version", schema) == "_model_version"
    valid, _ = split_frame(frame[features.all].head(5), schema)
    out = predict_frame(model, valid, schema, "1")
    assert out["prediction"].equals(valid["prediction"])  # the feature, as it was read
    assert out["model_version"].equals(valid["model_version"])
    np.testing.assert_allclose(out["_prediction"], model.predict(valid[features.all]))
    assert set(out["_model_version"]) == {"1"}
    clean = feature_schema(diabetes, DIABETES, "target", task="regression")
    assert prediction_column(clean) == "prediction"


def test_an_output_column_never_replaces_a_column_carried_along(diabetes: pd.DataFrame) -> None:
    model, schema = fitted(diabetes, DIABETES, "target", "regression")
    batch = diabetes[DIABETES.all].head(4).copy()
    batch.insert(0, "id", ["p1", "p2", "p3", "p4"])  # the input's own ids
    batch.insert(1, "prediction", "kept")
    valid, _ = split_frame(batch, schema)
    out = predict_frame(model, valid, schema, "1")
    assert list(out["id"]) == ["p1", "p2", "p3", "p4"] and set(out["prediction"]) == {"kept"}
    assert out["_id"].nunique() == 4 and out["_id"].str.fullmatch(ID_PATTERN).all()
    np.testing.assert_allclose(out["_prediction"], model.predict(valid[DIABETES.all]))
    assert output_name("id", schema, ["id", "_id"]) == "__id"


def test_invalid_rows_go_beside_the_predictions() -> None:
    assert invalid_path("out/p.parquet") == "out/p.invalid.parquet"
    assert invalid_path("s3://b/p.csv") == "s3://b/p.invalid.csv"
    assert invalid_path("predictions") == "predictions.invalid"
