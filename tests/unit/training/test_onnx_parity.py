"""The compiled graph against scikit-learn, for every family and task Conveyor supports, and the fallback.

Each case fits a small Pipeline, compiles it as registration does (``compile_and_check``) and then checks the
graph independently of the report: on records the gate never saw (another seed, nulls and every category) the
graph's labels equal scikit-learn's and its numbers are within the tolerance. A family the converter cannot
take, or whose graph breaks parity, must come back with no graph, runtime sklearn and the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from conveyor.config import Candidate, Features, OnnxSettings
from conveyor.features.requests import columns_of, sample_records, to_frame
from conveyor.features.schema import feature_schema
from conveyor.platform.onnx_runtime import MISSING_CATEGORY, OnnxPredictor, frame_columns
from conveyor.training.data import generate_churn
from conveyor.training.models import build_pipeline, candidate_estimator, preprocessor
from conveyor.training.onnx_export import rewrite_preprocessing
from conveyor.training.onnx_parity import allowed_difference, compile_and_check

CHURN = Features(
    numeric=["tenure_months", "monthly_charges", "support_calls", "age"],
    categorical=["contract", "payment_method", "region"],
)
DIABETES = Features(numeric=["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])
SMALL = {  # small forests keep conversion quick; the families' own defaults otherwise
    "random_forest": {"n_estimators": 15, "max_depth": 6},
    "xgboost": {"n_estimators": 30, "max_depth": 3},
    "lightgbm": {"n_estimators": 30, "num_leaves": 8},
    "hist_gradient_boosting": {"max_iter": 20},
}
# family, task -> the runtime a service with `service.runtime: auto` gets, and the graph's precision
CASES = {
    ("logistic_regression", "classification"): ("onnx", "double"),
    ("random_forest", "classification"): ("onnx", "double"),
    ("random_forest", "regression"): ("onnx", "float"),  # ONNX Runtime's double tree regressor outputs float
    ("xgboost", "classification"): ("onnx", "float"),
    ("xgboost", "regression"): ("onnx", "float"),
    ("lightgbm", "classification"): ("onnx", "float"),  # here; on the 5,000 churn rows some cross a float split
    ("lightgbm", "regression"): ("onnx", "float"),
    ("hist_gradient_boosting", "classification"): ("sklearn", None),  # skl2onnx 1.20 cannot write its trees
    ("hist_gradient_boosting", "regression"): ("sklearn", None),
}


def _data(task: str) -> tuple[pd.DataFrame, Features, str]:
    if task == "classification":
        frame = generate_churn(600, seed=11)
        frame.loc[frame.index[::17], "age"] = np.nan  # missing numbers and categories reach the graph
        frame.loc[frame.index[::23], "region"] = None
        return frame, CHURN, "churned"
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame, DIABETES, "target"


def _fit(family: str, task: str) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    frame, features, target = _data(task)
    estimator = candidate_estimator(Candidate(family=family, params=SMALL.get(family, {})), task, seed=3)
    from sklearn.pipeline import Pipeline

    model = Pipeline([("preprocess", preprocessor(features)), ("model", estimator)])
    model.fit(frame[features.all], frame[target])
    return model, feature_schema(frame, features, target, task), frame[features.all]


def _assert_same(model: Any, graph: bytes, schema: dict[str, Any], tolerance: float) -> None:
    """On records the gate did not see, the graph answers as scikit-learn does."""
    records = sample_records(schema, 120, seed=99)
    columns = columns_of(records, schema)
    got = OnnxPredictor(graph, schema["features"]).run(columns)
    frame = to_frame(columns, schema)
    if schema["task"] == "regression":
        expected = model.predict(frame)
        assert np.all(np.abs(got - expected) <= allowed_difference(expected, tolerance))
    else:
        expected = model.predict_proba(frame)
        assert np.abs(got - expected).max() <= tolerance
        classes = np.asarray([str(c) for c in model.classes_])
        assert (classes[got.argmax(axis=1)] == np.asarray([str(c) for c in model.predict(frame)])).all()


@pytest.mark.parametrize(("family", "task"), sorted(CASES), ids=lambda v: str(v))
def test_each_family_and_task_compiles_with_parity_or_falls_back_with_a_reason(family: str, task: str) -> None:
    runtime, precision = CASES[(family, task)]
    model, schema, holdout = _fit(family, task)
    settings = OnnxSettings(sample_rows=128)
    graph, report = compile_and_check(model, schema, holdout, settings, seed=3)
    assert (report["runtime"], report["precision"] if runtime == "onnx" else None) == (runtime, precision)
    if runtime == "onnx":
        assert graph is not None and report["passed"] and report["reason"] is None
        assert report["max_diff"] <= settings.tolerance and report["problems"] == []
        assert report["rows"] == {"holdout": len(holdout), "sample": 128}
        _assert_same(model, graph, schema, settings.tolerance)
    else:
        assert graph is None and not report["passed"]
        assert "does not convert" in report["reason"] or report["reason"].startswith("parity failed")


def test_a_classifier_without_probabilities_is_not_compiled() -> None:
    frame = generate_churn(300, seed=4)
    estimator = candidate_estimator(Candidate(estimator="sklearn.svm.LinearSVC"), "classification", 3)
    model = build_pipeline("logistic_regression", CHURN, 3).set_params(model=estimator)
    model.fit(frame[CHURN.all], frame["churned"])
    # LinearSVC has no predict_proba: no graph of probabilities to serve, and the report says why
    graph, report = compile_and_check(model, feature_schema(frame, CHURN, "churned"), frame[CHURN.all],
                                      OnnxSettings(), seed=3)
    assert graph is None and report["runtime"] == "sklearn"
    assert report["reason"] == "LinearSVC gives no class probabilities, which the graph answers"


def test_the_rewritten_preprocessing_treats_the_missing_string_as_the_pipeline_treats_null() -> None:
    frame = generate_churn(200, seed=5)
    frame.loc[frame.index[:20], "contract"] = None
    fitted = preprocessor(CHURN).fit(frame[CHURN.all])
    rewritten = rewrite_preprocessing(fitted)
    schema = feature_schema(frame, CHURN, "churned")
    as_graph_sees_it = pd.DataFrame(frame_columns(frame[CHURN.all], schema["features"]))
    for column in CHURN.categorical:
        as_graph_sees_it[column] = as_graph_sees_it[column].fillna(MISSING_CATEGORY)
    np.testing.assert_array_equal(rewritten.transform(as_graph_sees_it), fitted.transform(frame[CHURN.all]))
    assert "missing" in dict(fitted.transformers_[1][1].steps)  # the registered Pipeline keeps its own step


def test_nothing_compiles_when_onnx_convert_is_false() -> None:
    model, schema, holdout = _fit("logistic_regression", "classification")
    graph, report = compile_and_check(model, schema, holdout, OnnxSettings(convert=False), seed=3)
    assert graph is None and report["runtime"] == "sklearn" and report["reason"] == "onnx.convert is false"


def test_a_tolerance_tighter_than_float_precision_fails_parity_and_lists_rows() -> None:
    model, schema, holdout = _fit("xgboost", "classification")
    graph, report = compile_and_check(model, schema, holdout, OnnxSettings(tolerance=1e-12), seed=3)
    assert graph is None and report["runtime"] == "sklearn" and report["max_diff"] > 1e-12
    assert report["reason"].startswith("parity failed (tolerance 1e-12): holdout row")
