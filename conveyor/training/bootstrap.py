"""A paired, seeded bootstrap of a holdout metric: by how much, and how surely, does one model beat another?

Each model answers the holdout once (``answers_of``); the bootstrap resamples the holdout's rows and scores
every model on the same resample (paired), so the spread of the difference is the holdout's noise, not the
models' independent luck. Classification resamples keep the holdout's row count per class (it was split
stratified), so every class is in every resample and ROC AUC is always defined; regression resamples rows
freely. Metrics come from scikit-learn and mean what ``metrics.classification_metrics`` and
``metrics.regression_metrics`` compute on the whole holdout.

Contract: the same seed, holdout and answers give the same scores and the same ``Interval``; an interval is of
the difference ``challenger - other`` oriented so that larger is better (``LOWER_IS_BETTER`` metrics are
negated), like ``metrics.is_better``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict
from sklearn import metrics as skm

from conveyor.config import LOWER_IS_BETTER

# The regression metrics take one column per resample in one call (``multioutput="raw_values"``).
_REGRESSION = {
    "rmse": skm.root_mean_squared_error,
    "mae": skm.mean_absolute_error,
    "r2": skm.r2_score,
    "mape": skm.mean_absolute_percentage_error,
}
# Row indices held in memory at once (resamples x holdout rows): large holdouts are resampled in chunks.
_CHUNK_CELLS = 2_000_000


@dataclass(frozen=True)
class Answers:
    """A model's answers on a holdout: labels and class probabilities (classification), or numbers."""

    predicted: np.ndarray
    proba: np.ndarray | None = None  # one column per class of the holdout's ``classes``, in that order


class Interval(BaseModel):
    """The paired bootstrap of ``challenger - other`` on one metric, oriented so that larger is better.

    ``low`` and ``high`` are the ``1 - confidence`` and ``confidence`` quantiles: with that confidence the
    difference is at least ``low`` (and at most ``high``). ``point`` is the difference on the whole holdout.
    """

    model_config = ConfigDict(frozen=True)

    point: float
    low: float
    high: float
    confidence: float
    resamples: int


def answers_of(model: Any, x: Any, classes: list[Any] | None) -> Answers:
    """``model``'s answers on ``x``; for classification, probability columns in the order of ``classes``.

    Raises ValueError when the model knows other classes than ``classes``.
    """
    predicted = np.asarray(model.predict(x))
    if classes is None:
        return Answers(predicted.astype(float))
    own = list(model.classes_)
    if set(own) != set(classes):
        raise ValueError(f"the model knows the classes {own}, the holdout is scored for {list(classes)}")
    proba = np.asarray(model.predict_proba(x), dtype=float)
    return Answers(predicted, proba[:, [own.index(c) for c in classes]])


def _draws(y: np.ndarray, stratified: bool, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` resamples of row indices, shape (count, rows); stratified ones keep each label's row count."""
    if not stratified:
        return rng.integers(0, len(y), size=(count, len(y)))
    parts = []
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        parts.append(rows[rng.integers(0, len(rows), size=(count, len(rows)))])
    return np.concatenate(parts, axis=1)


def _resamples(y: np.ndarray, stratified: bool, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The resamples' row indices, in chunks that bound memory; the same seed gives the same rows."""
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // max(len(y), 1))
    for start in range(0, resamples, chunk):
        yield _draws(y, stratified, min(chunk, resamples - start), rng)


def _one(metric: str, y: np.ndarray, answers: Answers, classes: list[Any], rows: np.ndarray) -> float:
    """The classification ``metric`` on one resample (``rows``)."""
    truth, predicted, proba = y[rows], answers.predicted[rows], answers.proba[rows]  # type: ignore[index]
    if metric == "accuracy":
        return float(skm.accuracy_score(truth, predicted))
    if metric == "f1":
        if len(classes) == 2:
            return float(skm.f1_score(truth, predicted, pos_label=classes[1], zero_division=0.0))
        return float(skm.f1_score(truth, predicted, average="macro", zero_division=0.0))
    if metric == "log_loss":
        return float(skm.log_loss(truth, proba, labels=classes))
    if len(classes) == 2:  # roc_auc_score's own binary computation, without its second round of input checks
        fpr, tpr, _ = skm.roc_curve(truth == classes[1], proba[:, 1])
        return float(skm.auc(fpr, tpr))
    return float(skm.roc_auc_score(truth, proba, multi_class="ovr", labels=classes))


def resample_scores(
    metric: str, y: np.ndarray, answers: Answers, classes: list[Any] | None, rows: np.ndarray
) -> np.ndarray:
    """``metric`` on each resample: row ``i`` of ``rows`` holds resample ``i``'s row indices."""
    if metric in _REGRESSION:  # each resample is one output column
        return np.asarray(_REGRESSION[metric](y[rows].T, answers.predicted[rows].T, multioutput="raw_values"))
    if classes is None or answers.proba is None:
        raise ValueError(f"{metric} is a classification metric: it needs the classes and the probabilities")
    if metric == "f1" and len(classes) == 2 and len(rows) > 1:  # a resample is a label column (multilabel)
        positive = classes[1]
        truth, predicted = (y[rows] == positive).T, (answers.predicted[rows] == positive).T
        return np.asarray(skm.f1_score(truth, predicted, average=None, zero_division=0.0))
    if (answers.proba == answers.proba[0]).all() and (answers.predicted == answers.predicted[0]).all():
        # The same answer for every row (the prior baseline) scores the same on every resample: resamples keep
        # each class's row count, so its confusion counts and losses do not change, and its probabilities rank
        # no pair of rows (ROC AUC 0.5, sklearn's value for tied scores). The interval of a difference against
        # it is then the other model's own interval, shifted: "better than the baseline" with confidence.
        return np.full(len(rows), _one(metric, y, answers, classes, np.arange(len(y))))
    return np.array([_one(metric, y, answers, classes, r) for r in rows])


def bootstrap_scores(
    metric: str,
    y: Any,
    classes: list[Any] | None,
    answers: dict[str, Answers],
    resamples: int,
    seed: int,
) -> dict[str, np.ndarray]:
    """Each model's ``metric`` on the same ``resamples`` seeded resamples of the holdout (``classes`` None:
    regression)."""
    truth = np.asarray(y) if classes is not None else np.asarray(y, dtype=float)
    scores: dict[str, list[np.ndarray]] = {name: [] for name in answers}
    for rows in _resamples(truth, classes is not None, resamples, seed):
        for name, answer in answers.items():
            scores[name].append(resample_scores(metric, truth, answer, classes, rows))
    return {name: np.concatenate(parts) for name, parts in scores.items()}


def interval(metric: str, challenger: np.ndarray, other: np.ndarray, point: float, confidence: float) -> Interval:
    """The interval of ``challenger - other`` (per-resample scores); ``point`` is the whole-holdout difference,
    already oriented (see ``oriented``)."""
    difference = oriented(metric, challenger - other)
    low, high = np.quantile(difference, [1.0 - confidence, confidence])
    return Interval(  # + 0.0 turns a negated zero into 0.0
        point=round(float(point), 6) + 0.0,
        low=round(float(low), 6) + 0.0,
        high=round(float(high), 6) + 0.0,
        confidence=confidence,
        resamples=len(difference),
    )


def oriented(metric: str, difference: Any) -> Any:
    """A difference of ``metric`` values turned so that larger is better."""
    return -difference if metric in LOWER_IS_BETTER else difference
