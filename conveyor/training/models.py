"""Models as one sklearn Pipeline (preprocessing + the candidate's estimator), and the cross-validated search."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from conveyor.config import Candidate, Features
from conveyor.config.estimators import make_estimator
from conveyor.training.estimators import EncodedLabels, distribution
from conveyor.training.metrics import scorer

ESTIMATOR_STEP = "model"


def missing_as_nan(frame: pd.DataFrame) -> pd.DataFrame:
    """Treat None (JSON null, or a string column read back from Parquet) as missing, like NaN."""
    return frame.astype(object).where(frame.notna(), np.nan)


def preprocessor(features: Features) -> ColumnTransformer:
    """Imputation, scaling and one-hot encoding (unknown categories ignored): the front of every model."""
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    categorical = Pipeline(
        [
            ("missing", FunctionTransformer(missing_as_nan, feature_names_out="one-to-one")),
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    return ColumnTransformer(
        [("numeric", numeric, features.numeric), ("categorical", categorical, features.categorical)],
        remainder="drop",
    )


def _with_label_encoding(estimator: Any) -> Any:
    """XGBoost's classifiers take only the labels 0..n-1 and Conveyor's targets may be strings ("yes"/"no"):
    such an estimator is wrapped so that it learns encoded labels and answers in the original ones."""
    needs = is_classifier(estimator) and type(estimator).__module__.startswith("xgboost")
    return EncodedLabels(estimator) if needs else estimator


def candidate_estimator(candidate: Candidate, task: str, seed: int) -> Any:
    """The candidate's estimator with its fixed params and the run's seed; labels encoded where it needs that."""
    return _with_label_encoding(make_estimator(task, seed, candidate.family, candidate.estimator, candidate.params))


def build_pipeline(family: str, features: Features, seed: int, task: str = "classification") -> Pipeline:
    """The preprocessing in front of a ``family``'s estimator (labels encoded where the estimator needs that)."""
    estimator = _with_label_encoding(make_estimator(task, seed, family))
    return Pipeline([("preprocess", preprocessor(features)), (ESTIMATOR_STEP, estimator)])


def _space(candidate: Candidate, estimator: Any) -> dict[str, Any]:
    prefix = f"{ESTIMATOR_STEP}__estimator__" if isinstance(estimator, EncodedLabels) else f"{ESTIMATOR_STEP}__"
    return {f"{prefix}{key}": distribution(values) for key, values in candidate.search.items()}


def search(
    candidate: Candidate,
    features: Features,
    x: pd.DataFrame,
    y: pd.Series,
    metric: str,
    folds: int,
    seed: int,
    task: str = "classification",
) -> GridSearchCV | RandomizedSearchCV:
    """Cross-validated search over the candidate's space (folds stratified for classification); fitted."""
    estimator = candidate_estimator(candidate, task, seed)
    splitter = StratifiedKFold if task == "classification" else KFold
    common: dict[str, Any] = {
        "estimator": Pipeline([("preprocess", preprocessor(features)), (ESTIMATOR_STEP, estimator)]),
        "scoring": scorer(metric, sorted(y.unique()) if task == "classification" else []),
        "cv": splitter(n_splits=folds, shuffle=True, random_state=seed),
        "n_jobs": 1,
        "refit": True,
        "error_score": "raise",
    }
    space = _space(candidate, estimator)
    if candidate.n_iter is None:
        searcher: GridSearchCV | RandomizedSearchCV = GridSearchCV(param_grid=space or [{}], **common)
    else:
        searcher = RandomizedSearchCV(param_distributions=space, n_iter=candidate.n_iter, random_state=seed, **common)
    return searcher.fit(x, y)


def best_params(fitted: GridSearchCV | RandomizedSearchCV) -> dict[str, Any]:
    """The best setting found, keyed by the estimator's own parameter names."""
    return {
        key.rsplit("__", 1)[1]: value.item() if isinstance(value, np.generic) else value
        for key, value in fitted.best_params_.items()
    }


# The distribution that ships each estimator library, where its import name is not its package name.
_DISTRIBUTIONS = {"xgboost": "xgboost-cpu", "lightgbm": "lightgbm"}


def requirements_of(model: Pipeline) -> list[str]:
    """Pinned packages a logged model needs besides scikit-learn's stack (its estimator's library)."""
    from importlib.metadata import version

    estimator = model.named_steps[ESTIMATOR_STEP]
    estimator = getattr(estimator, "estimator", estimator) if isinstance(estimator, EncodedLabels) else estimator
    library = type(estimator).__module__.split(".")[0]
    name = _DISTRIBUTIONS.get(library)
    return [f"{name}=={version(name)}"] if name else []
