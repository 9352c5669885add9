"""What the search and the estimators need beyond scikit-learn: ranges as distributions, encoded labels."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.preprocessing import LabelEncoder

from conveyor.config.training import Range


class IntLogUniform:
    """Integers drawn log-uniformly from [low, high]: what ``{low, high, log: true, int: true}`` means."""

    def __init__(self, low: float, high: float):
        self.low, self.high = low, high
        self._continuous = stats.loguniform(low, high + 1)

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        drawn = np.floor(self._continuous.rvs(size=size, random_state=random_state)).astype(int)
        return np.clip(drawn, int(self.low), int(self.high)) if size is not None else int(drawn)


def distribution(values: list[Any] | Range) -> Any:
    """A search-space entry as scikit-learn's searches take it: a list, or a SciPy distribution for a range."""
    if not isinstance(values, Range):
        return values
    low, high = values.low, values.high
    if values.int_:
        return IntLogUniform(low, high) if values.log else stats.randint(int(low), int(high) + 1)
    return stats.loguniform(low, high) if values.log else stats.uniform(low, high - low)


class EncodedLabels(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """A classifier trained on the labels 0..n-1 that answers in the original labels (``classes_``)."""

    def __init__(self, estimator: Any):
        self.estimator = estimator

    def fit(self, x: Any, y: Any, **fit_params: Any) -> EncodedLabels:
        self.encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.encoder_.classes_
        self.estimator_ = clone(self.estimator).fit(x, self.encoder_.transform(y), **fit_params)
        return self

    def predict(self, x: Any) -> Any:
        return self.encoder_.inverse_transform(np.asarray(self.estimator_.predict(x)).astype(int))

    def predict_proba(self, x: Any) -> Any:
        return self.estimator_.predict_proba(x)

    @property
    def feature_importances_(self) -> Any:
        return self.estimator_.feature_importances_
