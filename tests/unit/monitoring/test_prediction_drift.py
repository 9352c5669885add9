"""Drift of the model's predictions: both sides of the prediction column, its measurement and its verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes

from conveyor.config import CurrentData, Features, MonitoringThresholds
from conveyor.features.schema import feature_schema
from conveyor.monitoring.data import ReferenceInfo, current_window, model_columns_of
from conveyor.monitoring.decisions import decide
from conveyor.monitoring.drift import ColumnDrift, DriftResult, DriftSpec, run_drift
from conveyor.monitoring.drift_page import drift_page
from conveyor.monitoring.predictions import (
    COMPUTED,
    LOGGED_ORIGIN,
    NO_ROWS,
    logged_predictions,
    predictions,
    with_current_predictions,
)
from conveyor.monitoring.report import drift_table
from conveyor.prediction_log.writer import PredictionLogWriter
from conveyor.training.data import generate_churn
from conveyor.training.models import build_pipeline

DIABETES = Features(numeric=["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])
CHURN = Features(numeric=["tenure_months", "monthly_charges", "support_calls", "age"], categorical=["contract"])
THRESHOLDS = MonitoringThresholds(drift_share=0.3, min_rows=50, max_missing_increase=0.1)
SPEC = DriftSpec("wasserstein", "jensenshannon", 0.1)


def no_model() -> Any:
    raise AssertionError("the champion was loaded although the rows came with their predictions")


@pytest.fixture(scope="module")
def regression() -> tuple[Any, dict[str, Any], pd.DataFrame]:
    frame = load_diabetes(as_frame=True).frame.head(100)
    model = build_pipeline("random_forest", DIABETES, seed=0, task="regression")
    model.fit(frame[DIABETES.all], frame["target"])
    return model, feature_schema(frame, DIABETES, "target", task="regression"), frame


@pytest.fixture(scope="module")
def classification() -> tuple[Any, dict[str, Any], pd.DataFrame]:
    frame = generate_churn(200, seed=1)
    model = build_pipeline("random_forest", CHURN, seed=0)
    model.fit(frame[CHURN.all], frame["churned"])
    return model, feature_schema(frame, CHURN, "churned"), frame


def info_of(schema: dict[str, Any]) -> ReferenceInfo:
    from conveyor.monitoring.data import Reference
    from conveyor.platform.registry import Champion

    champion = Champion(name="m", version="1", run_id="r", metrics={}, promoted_at=None, tags={})
    return Reference(champion, "zv", "artifact", schema, pd.DataFrame()).info()


def test_the_prediction_column_is_numeric_for_regression_and_categorical_for_classification(
    regression: tuple[Any, dict[str, Any], pd.DataFrame], classification: tuple[Any, dict[str, Any], pd.DataFrame]
) -> None:
    model, schema, frame = regression
    values = predictions(model, frame.head(5), schema)
    assert values.dtype == "float64"
    np.testing.assert_allclose(values, model.predict(frame[DIABETES.all].head(5)))
    info = info_of(schema)
    assert (info.task, info.prediction, info.prediction_kind) == ("regression", "prediction", "numeric")
    assert info.compared() == ([*DIABETES.numeric, "prediction"], [])

    model, schema, frame = classification
    labels = predictions(model, frame.head(5), schema)
    assert labels.dtype == object and set(labels) <= {"no", "yes"}
    assert info_of(schema).compared() == (CHURN.numeric, ["contract", "prediction"])
    assert len(predictions(model, frame.head(0), schema)) == 0


def test_a_feature_named_prediction_keeps_its_name_and_the_predictions_take_another() -> None:
    frame = load_diabetes(as_frame=True).frame.head(50).rename(columns={"s6": "prediction"})
    features = Features(numeric=["age", "bmi", "prediction"])
    info = info_of(feature_schema(frame, features, "target", task="regression"))
    assert info.prediction == "_prediction" and "prediction" in info.numeric
    assert info.compared()[0] == ["age", "bmi", "prediction", "_prediction"]


def test_logged_predictions_are_used_and_the_champion_scores_rows_that_have_none(
    regression: tuple[Any, dict[str, Any], pd.DataFrame],
) -> None:
    model, schema, frame = regression
    rows = frame[DIABETES.all].head(20).reset_index(drop=True)
    current = model_columns_of(rows, DIABETES.numeric, [])

    logged = pd.Series([str(v) for v in range(20)])  # as the log holds them
    out, origin = with_current_predictions(current, rows, schema, "prediction", no_model, logged)
    assert origin == LOGGED_ORIGIN and list(out["prediction"]) == [float(v) for v in range(20)]

    scored = rows.assign(prediction=np.arange(20.0))  # a batch inference output used as the current file
    assert with_current_predictions(current, scored, schema, "prediction", no_model)[1] == LOGGED_ORIGIN

    out, origin = with_current_predictions(current, rows, schema, "prediction", lambda: model)
    assert origin == COMPUTED
    np.testing.assert_allclose(out["prediction"], model.predict(rows))
    assert list(out.columns) == [*DIABETES.numeric, "prediction"]

    never = pd.Series([None] * 20)  # lines written before predictions were logged
    assert logged_predictions(rows, "prediction", never) is None
    empty = model_columns_of(pd.DataFrame(), DIABETES.numeric, [])
    out, origin = with_current_predictions(empty, pd.DataFrame(), schema, "prediction", no_model)
    assert origin == NO_ROWS and len(out) == 0 and "prediction" in out.columns


def test_a_regression_prediction_log_without_probabilities_is_read_with_its_predictions(
    regression: tuple[Any, dict[str, Any], pd.DataFrame], tmp_path: Path
) -> None:
    model, schema, frame = regression
    rows = frame[DIABETES.all].head(6)
    log = tmp_path / "predictions.jsonl"
    columns = {name: values.tolist() for name, values in rows.items()}
    PredictionLogWriter(log).append(
        [
            {"ts": "2026-12-01T10:00:00+00:00", "model": "m", "version": "1", "rows": 6, "features": columns,
             "prediction": [float(v) for v in model.predict(rows)]},
            {"ts": "2026-12-01T10:00:01+00:00", "model": "m", "version": "1",
             "features": json.loads(rows.head(1).to_json(orient="records"))[0], "prediction": 1.5},
        ]
    )  # fmt: skip
    raw, logged = current_window(CurrentData(kind="prediction_log", path=str(log)), seed=0, champion_version="1")
    assert not [c for c in raw.columns if c.startswith("_")]
    current, origin = with_current_predictions(
        model_columns_of(raw, DIABETES.numeric, []), raw, schema, "prediction", no_model, logged
    )
    assert origin == LOGGED_ORIGIN and len(current) == 7
    np.testing.assert_allclose(current["prediction"], [*model.predict(rows), 1.5])


def test_shifted_predictions_on_unshifted_features_are_a_breach_of_their_own(
    regression: tuple[Any, dict[str, Any], pd.DataFrame],
) -> None:
    model, schema, frame = regression
    features = frame[DIABETES.all].reset_index(drop=True)
    reference = features.assign(prediction=predictions(model, features, schema))
    current = features.assign(prediction=reference["prediction"] + 100.0)  # another model answered, say
    numeric = [*DIABETES.numeric, "prediction"]
    result = run_drift(reference, current, numeric, [], SPEC, prediction="prediction").result
    assert result.columns[-1].column == "prediction" and result.prediction is result.columns[-1]
    assert result.prediction.role == "prediction" and result.prediction.drifted
    assert result.drifted == [] and result.drift_share == 0.0 and len(result.features) == 10
    assert result.to_dict()["prediction_drifted"] is True

    decision = decide(result, THRESHOLDS)
    assert decision.status == "drift" and decision.breached and decision.drifted_columns == []
    assert decision.prediction is not None and decision.prediction.column == "prediction"
    assert decision.prediction_drifted is True and len(decision.columns) == 10
    assert decision.reasons == [
        f"the model's predictions drifted: prediction (wasserstein {result.prediction.score:.3f} vs 0.1)"
    ]
    quiet = decide(result, THRESHOLDS.model_copy(update={"prediction_drift": False}))
    assert quiet.status == "ok" and not quiet.breached and quiet.prediction_drifted is True
    assert quiet.prediction_drift_breaches is False and "not a breach" in quiet.notes[0]

    same = run_drift(reference, reference, numeric, [], SPEC, prediction="prediction").result
    assert decide(same, THRESHOLDS).status == "ok" and same.prediction is not None and not same.prediction.drifted


def test_the_prediction_is_not_counted_in_the_drift_share_nor_in_the_missing_rule() -> None:
    def column(name: str, drifted: bool, role: str = "feature", missing: float = 0.0) -> ColumnDrift:
        return ColumnDrift(name, "numeric", "wasserstein", 0.5 if drifted else 0.01, 0.1, drifted, 0.0, missing, role)

    columns = [column("a", True), column("b", False), column("prediction", True, "prediction", missing=0.5)]
    result = DriftResult(columns, 500, 100, 500, 100)
    assert result.drift_share == 0.5 and [c.column for c in result.drifted] == ["a"]
    decision = decide(result, THRESHOLDS)
    assert decision.drift_share == 0.5 and decision.drifted_columns == ["a"]
    assert decision.reasons[0].startswith("1 of 2 columns drifted (share 0.50")
    assert decision.missing_increases == {}
    assert DriftResult.from_dict(result.to_dict()) == result
    table = drift_table(result)
    assert list(table["role"]) == ["feature", "feature", "prediction"]


def test_the_page_shows_the_predictions_first_and_says_whether_they_drifted(
    classification: tuple[Any, dict[str, Any], pd.DataFrame],
) -> None:
    model, schema, frame = classification
    reference = frame[CHURN.all].assign(prediction=predictions(model, frame, schema))
    current = reference.assign(prediction="yes")
    result = DriftResult(
        [
            ColumnDrift("tenure_months", "numeric", "wasserstein", 0.2, 0.1, True, 0.0, 0.0),
            ColumnDrift("prediction", "categorical", "jensenshannon", 0.6, 0.1, True, 0.0, 0.0, "prediction"),
        ],
        200,
        200,
        200,
        200,
    )
    page = drift_page(result, reference, current, "Drift")
    assert "1 of 1 columns drifted (share 1.00); the predictions drifted;" in page
    assert "<td>prediction</td><td>prediction</td><td>categorical</td>" in page
    assert page.index("prediction (drifted, the model's predictions") < page.index("tenure_months (drifted")
    assert page.count("data:image/png;base64,") == 2
