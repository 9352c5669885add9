"""Regression, XGBoost and LightGBM, import-path estimators and ranged searches, on tiny data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conveyor.config import Candidate, Features
from conveyor.config.training import Range
from conveyor.training.data import generate_churn
from conveyor.training.estimators import IntLogUniform, distribution
from conveyor.training.metrics import holdout_metrics, predicted_vs_actual_image, residuals_image
from conveyor.training.models import best_params, search

CHURN = Features(numeric=["tenure_months", "monthly_charges", "support_calls"], categorical=["contract", "region"])
DIABETES = Features(numeric=["age", "bmi", "bp", "s5"])


@pytest.fixture(scope="module")
def churn() -> pd.DataFrame:
    return generate_churn(240, seed=3)


@pytest.fixture(scope="module")
def diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame.head(200)


@pytest.mark.parametrize("family", ["xgboost", "lightgbm", "random_forest"])
def test_families_answer_in_the_original_class_names(churn: pd.DataFrame, family: str) -> None:
    candidate = Candidate(family=family, params={"n_estimators": 20})
    model = search(candidate, CHURN, churn[CHURN.all], churn["churned"], "roc_auc", 2, seed=1).best_estimator_
    assert sorted(model.classes_) == ["no", "yes"]
    assert set(model.predict(churn[CHURN.all].head(20))) <= {"no", "yes"}
    assert set(holdout_metrics(model, churn[CHURN.all], churn["churned"])) == {"accuracy", "f1", "log_loss", "roc_auc"}


@pytest.mark.parametrize(
    "candidate",
    [
        Candidate(family="lightgbm", params={"n_estimators": 20}),
        Candidate(family="xgboost", params={"n_estimators": 20}),
        Candidate(estimator="sklearn.ensemble.ExtraTreesRegressor", params={"n_estimators": 20}),
    ],
    ids=["lightgbm", "xgboost", "extra-trees-by-path"],
)
def test_regressors_train_and_report_regression_metrics(diabetes: pd.DataFrame, candidate: Candidate) -> None:
    x, y = diabetes[DIABETES.all], diabetes["target"]
    fitted = search(candidate, DIABETES, x, y, "rmse", 2, seed=1, task="regression")
    assert fitted.best_score_ < 0  # the scorer negates an error: larger is better
    metrics = holdout_metrics(fitted.best_estimator_, x, y)
    assert set(metrics) == {"rmse", "mae", "r2", "mape"}
    assert metrics["rmse"] >= metrics["mae"] > 0


def test_a_ranged_search_is_seeded(diabetes: pd.DataFrame) -> None:
    candidate = Candidate(
        family="random_forest",
        params={"n_estimators": 10},
        n_iter=3,
        search={"max_depth": Range(low=2, high=64, int=True, log=True), "max_features": Range(low=0.3, high=1.0)},
    )
    x, y = diabetes[DIABETES.all], diabetes["target"]
    first = search(candidate, DIABETES, x, y, "mae", 2, seed=5, task="regression")
    again = search(candidate, DIABETES, x, y, "mae", 2, seed=5, task="regression")
    assert first.cv_results_["params"] == again.cv_results_["params"]
    assert set(best_params(first)) == {"max_depth", "max_features"}


def test_ranges_become_distributions_within_their_bounds() -> None:
    rng = np.random.default_rng(0)
    ints = distribution(Range(low=2, high=64, int=True, log=True))
    assert isinstance(ints, IntLogUniform)
    drawn = ints.rvs(size=500, random_state=rng)
    assert drawn.min() >= 2 and drawn.max() <= 64 and np.median(drawn) < 33  # log: small values more often
    floats = distribution(Range(low=0.001, high=10, log=True)).rvs(size=500, random_state=rng)
    assert floats.min() >= 0.001 and floats.max() <= 10
    assert distribution([1, 2]) == [1, 2]


def test_regression_images(diabetes: pd.DataFrame) -> None:
    x, y = diabetes[DIABETES.all], diabetes["target"]
    model = search(Candidate(family="random_forest", params={"n_estimators": 5}), DIABETES, x, y, "rmse", 2, 0,
                   task="regression").best_estimator_
    for image in (predicted_vs_actual_image(model, x, y, "t"), residuals_image(model, x, y, "t")):
        assert image.size[0] > 100 and image.size[1] > 100


def test_an_xgboost_pipeline_built_by_family_takes_string_labels(churn: pd.DataFrame) -> None:
    from conveyor.training.models import build_pipeline

    model = build_pipeline("xgboost", CHURN, seed=0).fit(churn[CHURN.all], churn["churned"])
    assert set(model.predict(churn[CHURN.all].head(10))) <= {"no", "yes"}
