"""Performance monitoring: the champion's live metrics on labelled predictions, and a typed verdict.

``decide_performance`` gives one of three states: ``ok``, ``degraded`` (a live metric is worse than the
model's holdout value by more than ``max_drop`` of it, or outside an absolute limit) or ``not_enough_labels``
(fewer labelled rows than ``min_labelled_rows``: neither). The metrics are the training pipeline's own
(``conveyor.training.metrics``), so live and holdout numbers are comparable. For a classifier the decision
also holds calibration: the observed rate against the predicted probability, by bin (scikit-learn's
``calibration_curve``; the positive class for a binary model, the top label's confidence for multiclass).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from conveyor.config import LOWER_IS_BETTER, TASK_METRICS, PerformanceThresholds
from conveyor.errors import ConfigError
from conveyor.monitoring.ground_truth import LABEL, LabelStats, proba_matrix
from conveyor.training.metrics import classification_metrics, regression_metrics

Status = Literal["ok", "degraded", "not_enough_labels"]

# The metrics a verdict checks when `performance.metrics` is not set.
DEFAULT_METRICS: dict[str, tuple[str, ...]] = {"classification": ("accuracy", "f1"), "regression": ("rmse", "mae")}
CALIBRATION_BINS = 10
MIN_ROWS_PER_WINDOW = 25  # the metric over time is drawn on chunks of at least this many labelled rows
MAX_WINDOWS = 10


class CalibrationBin(BaseModel):
    model_config = ConfigDict(frozen=True)

    mean_predicted: float
    observed_rate: float
    rows: int


class WindowValue(BaseModel):
    """The checked metric on one chunk of the labelled rows, in time order."""

    model_config = ConfigDict(frozen=True)

    start: str | None
    end: str | None
    rows: int
    value: float


class PerformanceDecision(BaseModel):
    """The verdict and everything it rests on; ``degraded`` is True only for status ``degraded``."""

    model_config = ConfigDict(frozen=True)

    status: Status
    degraded: bool
    reasons: list[str]
    model: str
    version: str
    task: str
    labelled_rows: int
    min_labelled_rows: int
    metrics: dict[str, float] = Field(default_factory=dict)  # live, on the labelled rows
    holdout: dict[str, float] = Field(default_factory=dict)  # the model's own holdout metrics
    checked: list[str] = Field(default_factory=list)
    max_drop: float = 0.0
    calibration: list[CalibrationBin] = Field(default_factory=list)
    calibration_of: str | None = None  # what the bins measure, e.g. "class 'yes'"
    over_time: list[WindowValue] = Field(default_factory=list)
    labels: LabelStats
    notes: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        """The log line: ``Performance verdict: <status> (...) on <n> labelled rows``."""
        shown = ", ".join(
            f"{m} {self.metrics[m]:.4f} vs {self.holdout[m]:.4f} on the holdout"
            for m in self.checked
            if m in self.metrics and m in self.holdout
        )
        detail = f" ({shown})" if shown else ""
        return f"Performance verdict: {self.status}{detail} on {self.labelled_rows} labelled rows"


def live_metrics(labelled: pd.DataFrame, task: str, classes: list[str]) -> dict[str, float]:
    """The task's metrics of the logged predictions against their labels."""
    truth = labelled[LABEL]
    if task == "regression":
        return regression_metrics(truth.astype("float64"), labelled["_prediction"].astype("float64"))
    predicted = labelled["_prediction"].astype(str)
    return classification_metrics(truth.astype(str), predicted, proba_matrix(labelled, classes), classes)


def calibration(labelled: pd.DataFrame, classes: list[str]) -> tuple[list[CalibrationBin], str]:
    """Observed rate against mean predicted probability in equal-width bins (empty bins left out)."""
    from sklearn.calibration import calibration_curve

    proba = proba_matrix(labelled, classes)
    truth = labelled[LABEL].astype(str).to_numpy()
    if len(classes) == 2:
        hit, score, of = truth == classes[1], proba[:, 1], f"class '{classes[1]}'"
    else:
        predicted = np.asarray(classes)[proba.argmax(axis=1)]
        hit, score, of = truth == predicted, proba.max(axis=1), "the top label's confidence"
    observed, predicted_mean = calibration_curve(hit, score, n_bins=CALIBRATION_BINS, strategy="uniform")
    counts = np.bincount(
        np.clip((score * CALIBRATION_BINS).astype(int), 0, CALIBRATION_BINS - 1), minlength=CALIBRATION_BINS
    )
    bins = [
        CalibrationBin(mean_predicted=round(float(p), 6), observed_rate=round(float(o), 6), rows=int(n))
        for p, o, n in zip(predicted_mean, observed, counts[counts > 0], strict=True)
    ]
    return bins, of


def over_time(labelled: pd.DataFrame, task: str, classes: list[str], metric: str) -> list[WindowValue]:
    """``metric`` on consecutive chunks of the labelled rows in time order (at most ``MAX_WINDOWS``)."""
    chunks = min(MAX_WINDOWS, len(labelled) // MIN_ROWS_PER_WINDOW)
    if chunks < 2:
        return []
    ordered = labelled.sort_values("_ts", kind="stable").reset_index(drop=True)
    values = []
    for part in np.array_split(np.arange(len(ordered)), chunks):
        chunk = ordered.iloc[part]
        value = live_metrics(chunk, task, classes).get(metric)
        if value is not None:
            ts = chunk["_ts"].dropna().astype(str)
            start, end = (ts.iloc[0], ts.iloc[-1]) if len(ts) else (None, None)
            values.append(WindowValue(start=start, end=end, rows=len(chunk), value=value))
    return values


def _checked(thresholds: PerformanceThresholds, task: str) -> list[str]:
    allowed = TASK_METRICS[task]
    wrong = [m for m in [*(thresholds.metrics or []), *thresholds.limits] if m not in allowed]
    if wrong:
        raise ConfigError(
            "the monitoring run config",
            [f"performance.metrics/limits: {wrong} are not metrics of the champion's task ({task}); use "
             f"{', '.join(allowed)}"],
        )
    return list(thresholds.metrics or DEFAULT_METRICS[task])


def _worse_than_holdout(metric: str, live: float, holdout: float, max_drop: float) -> float | None:
    """The bound ``live`` broke (holdout worsened by ``max_drop`` of its size), or None if within it."""
    if metric in LOWER_IS_BETTER:
        bound = holdout + max_drop * abs(holdout)
        return bound if live > bound else None
    bound = holdout - max_drop * abs(holdout)
    return bound if live < bound else None


def decide_performance(
    labelled: pd.DataFrame,
    stats: LabelStats,
    *,
    model: str,
    version: str,
    task: str,
    classes: list[str],
    holdout: dict[str, float],
    thresholds: PerformanceThresholds,
) -> PerformanceDecision:
    """Score the labelled rows and compare them with the holdout and the limits; every breach is a reason."""
    checked = _checked(thresholds, task)
    common: dict[str, Any] = {
        "model": model,
        "version": version,
        "task": task,
        "labelled_rows": len(labelled),
        "min_labelled_rows": thresholds.min_labelled_rows,
        "holdout": holdout,
        "checked": checked,
        "max_drop": thresholds.max_drop,
        "labels": stats,
    }
    notes = []
    if stats.other_versions:
        notes.append(f"{stats.other_versions} labelled row(s) were predicted by other versions and not scored")
    if stats.unmatched:
        notes.append(f"{stats.unmatched} label(s) matched no prediction of the window (not shipped yet, or older)")
    if stats.duplicates:
        notes.append(f"{stats.duplicates} label(s) were replaced by a later label of the same id")
    if len(labelled) < thresholds.min_labelled_rows:
        reason = f"not enough labels: {len(labelled)} labelled row(s), the minimum is {thresholds.min_labelled_rows}"
        return PerformanceDecision(status="not_enough_labels", degraded=False, reasons=[reason], notes=notes, **common)
    metrics = live_metrics(labelled, task, classes)
    reasons = []
    for metric in checked:
        live, before = metrics.get(metric), holdout.get(metric)
        if live is None or before is None:
            notes.append(f"{metric} was not compared: {'no live value' if live is None else 'no holdout value'}")
            continue
        bound = _worse_than_holdout(metric, live, before, thresholds.max_drop)
        if bound is not None:
            reasons.append(
                f"{metric} {live:.4f} on live labels is more than {thresholds.max_drop:.0%} worse than the holdout's "
                f"{before:.4f} (bound {bound:.4f})"
            )
    for metric, limit in thresholds.limits.items():
        live = metrics.get(metric)
        if live is None:
            notes.append(f"{metric} has a limit but no live value")
        elif (broken := limit.breach(live)) is not None:
            reasons.append(f"{metric} {live:.4f} on live labels is {broken}")
    bins, of = calibration(labelled, classes) if task == "classification" else ([], None)
    return PerformanceDecision(
        status="degraded" if reasons else "ok",
        degraded=bool(reasons),
        reasons=reasons,
        metrics=metrics,
        calibration=bins,
        calibration_of=of,
        over_time=over_time(labelled, task, classes, checked[0]),
        notes=notes,
        **common,
    )
