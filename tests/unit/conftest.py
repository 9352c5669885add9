"""Fixtures shared by the unit rooms for the stored-model tests: tiny fitted Pipelines of every family, a stranger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from conveyor.config import Features

CHURN = Features(numeric=["tenure_months", "monthly_charges", "support_calls"], categorical=["contract", "region"])
TENURE = Features(numeric=["monthly_charges", "support_calls", "age"], categorical=["contract", "region"])
# Small ensembles: what is stored does not depend on their size.
SMALL = {
    "random_forest": {"n_estimators": 10},
    "hist_gradient_boosting": {"max_iter": 10},
    "xgboost": {"n_estimators": 10},
    "lightgbm": {"n_estimators": 10},
}

FittedFamily = Callable[[str, str], tuple[Pipeline, pd.DataFrame]]


@pytest.fixture(scope="session")
def churn_rows() -> pd.DataFrame:
    from conveyor.training.data import generate_churn

    return generate_churn(300, seed=5)


@pytest.fixture(scope="session")
def fitted_family(churn_rows: pd.DataFrame) -> FittedFamily:
    """``fit(family, task)``: ``build_pipeline``'s Pipeline, fitted on 300 churn rows (once per session), and its x.

    Classifiers predict ``churned``; regressors ``tenure_months``.
    """
    from conveyor.training.estimators import EncodedLabels
    from conveyor.training.models import build_pipeline

    fitted: dict[tuple[str, str], tuple[Pipeline, pd.DataFrame]] = {}

    def fit(family: str, task: str) -> tuple[Pipeline, pd.DataFrame]:
        if (family, task) not in fitted:
            features, target = (CHURN, "churned") if task == "classification" else (TENURE, "tenure_months")
            model = build_pipeline(family, features, seed=1, task=task)
            estimator = model.named_steps["model"]
            inner = estimator.estimator if isinstance(estimator, EncodedLabels) else estimator
            inner.set_params(**SMALL.get(family, {}))
            x = churn_rows[features.all]
            fitted[family, task] = model.fit(x, churn_rows[target]), x
        return fitted[family, task]

    return fit


class Passthrough(TransformerMixin, BaseEstimator):
    """A transformer from outside the trusted allow-list (a test module's class)."""

    def fit(self, x: Any, y: Any = None) -> Passthrough:
        return self

    def transform(self, x: Any) -> Any:
        return x


@pytest.fixture(scope="session")
def foreign_pipeline(fitted_family: FittedFamily) -> tuple[Pipeline, str]:
    """A Pipeline of a class from outside the allow-list and a fitted model, and that class's skops name."""
    model = Pipeline([("odd", Passthrough()), ("rest", fitted_family("logistic_regression", "classification")[0])])
    return model, f"{Passthrough.__module__}.Passthrough"
