"""The estimator catalogue: which scikit-learn class each model ``family`` of a training config names.

It lives with the schemas because a config is checked against it before any step runs (every ``search`` key
must be a parameter of the family's estimator). scikit-learn is imported only when a family is resolved.
"""

from __future__ import annotations

import importlib
from typing import Any

# family -> (import path of the estimator class, fixed arguments besides the seed)
FAMILIES: dict[str, tuple[str, dict[str, Any]]] = {
    "logistic_regression": ("sklearn.linear_model.LogisticRegression", {"max_iter": 2000}),
    "random_forest": ("sklearn.ensemble.RandomForestClassifier", {"n_jobs": 1}),
    "hist_gradient_boosting": ("sklearn.ensemble.HistGradientBoostingClassifier", {}),
}


def estimator_class(path: str) -> type:
    """The class at import path ``path`` (``package.module.Class``)."""
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def make_estimator(family: str, seed: int) -> Any:
    """A fresh estimator of ``family``, seeded."""
    path, fixed = FAMILIES[family]
    return estimator_class(path)(random_state=seed, **fixed)


def unknown_parameters(family: str, keys: list[str]) -> list[str]:
    """The keys that are not parameters of the family's estimator."""
    known = make_estimator(family, seed=0).get_params()
    return sorted(set(keys) - set(known))
