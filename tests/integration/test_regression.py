"""Regression, XGBoost and LightGBM through the real training pipeline: the lower error wins and is gated."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.registry import get_champion

pytestmark = pytest.mark.slow

REGRESSION = "configs/training_regression.yaml"
# Small and quick: an import-path Ridge, a LightGBM, and a deliberately bad last candidate.
TINY_REGRESSION = [
    "candidates={ridge: {estimator: sklearn.linear_model.Ridge, search: {alpha: [0.1, 1.0]}}, "
    "lightgbm: {family: lightgbm, params: {n_estimators: 30, num_leaves: 7}}, "
    "mean: {estimator: sklearn.dummy.DummyRegressor}}",
]


def test_a_regression_config_trains_gates_and_promotes(local_stack: str, training_config: Any) -> None:
    config = training_config(*TINY_REGRESSION, base=REGRESSION)
    first = run_pipeline("training", config, no_cache=True)
    board = output(first, "select_best", "leaderboard")
    assert list(board["candidate"])[-1] == "mean"  # the mean predictor has the largest rmse: ranked last
    assert board["cv_rmse"].is_monotonic_increasing  # lower rmse ranks first
    metrics = output(first, "evaluate_regressor", "holdout_metrics")
    assert set(metrics) == {"rmse", "mae", "r2", "mape"}
    assert output(first, "evaluate_regressor", "predicted_vs_actual").size[0] > 100
    decision = output(first, "gate_model", "gate_decision")
    assert decision.promote and decision.metric == "rmse"
    schema = output(first, "register_model", "feature_schema")
    assert schema["task"] == "regression" and schema["classes"] == []
    champion = get_champion(local_stack, config.model.name)
    assert champion is not None and champion.metrics["rmse"] == metrics["rmse"]

    # The mean predictor alone: a higher rmse never replaces the champion, and its r2 fails the floor.
    worse = training_config("candidates={mean: {estimator: sklearn.dummy.DummyRegressor}}", base=REGRESSION)
    second = run_pipeline("training", worse, no_cache=True)
    refused = output(second, "gate_model", "gate_decision")
    assert not refused.promote
    assert refused.challenger["rmse"] > refused.champion["rmse"]
    assert get_champion(local_stack, config.model.name).version == champion.version


@pytest.mark.parametrize("family", ["xgboost", "lightgbm"])
def test_xgboost_and_lightgbm_train_on_churn(local_stack: str, training_config: Any, family: str) -> None:
    config = training_config(
        "data.rows=600",
        f"candidates={{{family}: {{family: {family}, params: {{n_estimators: 30}}, search: {{max_depth: [3]}}}}}}",
        base="configs/training_xgboost.yaml",
    )
    run = run_pipeline("training", config, no_cache=True)
    model = output(run, "select_best", "model")
    assert sorted(model.classes_) == ["no", "yes"]  # the original labels, whatever the library trains on
    board = output(run, "select_best", "leaderboard")
    assert board.loc[0, "family"] == family and "yes" in board.loc[0, "train_balance"]
    card = output(run, "model_card", "model_card")
    assert "Class balance: training set" in str(card)
    assert get_champion(local_stack, config.model.name) is not None
