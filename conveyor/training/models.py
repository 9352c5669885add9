"""The model zoo: one sklearn Pipeline per family (preprocessing + estimator), and its search."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from conveyor.config import Candidate, Features
from conveyor.config.estimators import make_estimator
from conveyor.training.metrics import scorer

ESTIMATOR_STEP = "model"


def missing_as_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Treat None (JSON null, or a string column read back from Parquet) as missing, like NaN."""
    return frame.astype(object).where(frame.notna(), np.nan)


def build_pipeline(family: str, features: Features, seed: int) -> Pipeline:
    """Imputation, scaling and one-hot encoding (unknown categories ignored) in front of the estimator."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline(
        [
            ("missing", FunctionTransformer(missing_as_nan, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    preprocess = ColumnTransformer(
        [("numeric", numeric, features.numeric), ("categorical", categorical, features.categorical)],
        remainder="drop",
    )
    return Pipeline([("preprocess", preprocess), (ESTIMATOR_STEP, make_estimator(family, seed))])


def search(
    candidate: Candidate, features: Features, x: pd.DataFrame, y: pd.Series, metric: str, folds: int, seed: int
) -> GridSearchCV | RandomizedSearchCV:
    """Cross-validated search over the candidate's space; returns the fitted search object."""
    grid: dict[str, Any] = {f"{ESTIMATOR_STEP}__{k}": v for k, v in candidate.search.items()}
    common: dict[str, Any] = {
        "estimator": build_pipeline(candidate.family, features, seed),
        "scoring": scorer(metric, sorted(y.unique())),
        "cv": StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed),
        "n_jobs": 1,
        "refit": True,
        "error_score": "raise",
    }
    if candidate.n_iter is None:
        searcher: GridSearchCV | RandomizedSearchCV = GridSearchCV(param_grid=grid, **common)
    else:
        searcher = RandomizedSearchCV(param_distributions=grid, n_iter=candidate.n_iter, random_state=seed, **common)
    return searcher.fit(x, y)
