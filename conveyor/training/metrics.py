"""Metrics, scorers and evaluation plots: classification (binary and multiclass) and regression."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.base import is_regressor
from sklearn.pipeline import Pipeline

from conveyor.config import LOWER_IS_BETTER

REGRESSION_SCORERS = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
    "mape": "neg_mean_absolute_percentage_error",
}


def scorer(metric: str, classes: list[Any]) -> Any:
    """The sklearn scorer for ``metric``; larger is always better (log loss and the errors are negated)."""
    if metric in REGRESSION_SCORERS:
        return REGRESSION_SCORERS[metric]
    binary = len(classes) == 2
    if metric == "accuracy":
        return "accuracy"
    if metric == "f1":
        return skm.make_scorer(skm.f1_score, pos_label=classes[1]) if binary else "f1_macro"
    if metric == "roc_auc":
        return "roc_auc" if binary else "roc_auc_ovr"
    if metric == "log_loss":
        return "neg_log_loss"
    raise ValueError(f"unknown metric '{metric}'")


def from_score(metric: str, score: float) -> float:
    """Turn a scorer's value (larger is better) back into the metric's natural units."""
    return -score if metric in LOWER_IS_BETTER else score


def is_better(metric: str, challenger: float, incumbent: float, margin: float = 0.0) -> bool:
    """Whether ``challenger`` beats ``incumbent`` on ``metric`` by at least ``margin``."""
    if metric in LOWER_IS_BETTER:
        return challenger <= incumbent - margin
    return challenger >= incumbent + margin


def regression_metrics(y: Any, predicted: Any) -> dict[str, float]:
    """RMSE, MAE, R² and MAPE of predictions against the truth."""
    result = {
        "rmse": skm.root_mean_squared_error(y, predicted),
        "mae": skm.mean_absolute_error(y, predicted),
        "r2": skm.r2_score(y, predicted),
        "mape": skm.mean_absolute_percentage_error(y, predicted),
    }
    return {k: round(float(v), 6) for k, v in result.items()}


def classification_metrics(y: Any, predicted: Any, proba: Any, classes: list[Any]) -> dict[str, float]:
    """Accuracy, F1, log loss and ROC AUC (macro/one-vs-rest for multiclass) of predictions against the truth.

    ``proba`` has one column per class of ``classes``, in that order. ROC AUC is left out when ``y`` does not
    hold every class (it is undefined then).
    """
    y = pd.Series(np.asarray(y))
    binary = len(classes) == 2
    result = {
        "accuracy": skm.accuracy_score(y, predicted),
        "f1": skm.f1_score(y, predicted, pos_label=classes[1])
        if binary
        else skm.f1_score(y, predicted, average="macro"),
        "log_loss": skm.log_loss(y, proba, labels=classes),
    }
    if y.nunique() == len(classes):
        result["roc_auc"] = (
            skm.roc_auc_score(y, proba[:, 1])
            if binary
            else skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes)
        )
    return {k: round(float(v), 6) for k, v in result.items()}


def holdout_metrics(model: Pipeline, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """The task's metrics of a fitted model on a holdout set: regression's errors, or classification's."""
    if is_regressor(model):
        return regression_metrics(y, model.predict(x))
    return classification_metrics(y, model.predict(x), model.predict_proba(x), list(model.classes_))


def _figure_to_image(figure: Any) -> Any:
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    buffer.seek(0)
    image = Image.open(buffer)
    image.load()
    return image


def confusion_matrix_image(model: Pipeline, x: pd.DataFrame, y: pd.Series, title: str) -> Any:
    """A PIL image of the holdout confusion matrix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.5, 4))
    skm.ConfusionMatrixDisplay.from_predictions(y, model.predict(x), labels=model.classes_, ax=axis, colorbar=False)
    axis.set_title(title)
    image = _figure_to_image(figure)
    plt.close(figure)
    return image


def curves_image(model: Pipeline, x: pd.DataFrame, y: pd.Series, title: str) -> Any:
    """A PIL image of ROC and precision-recall curves (one-vs-rest per class for multiclass)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    proba = model.predict_proba(x)
    classes = list(model.classes_)
    shown = classes[1:] if len(classes) == 2 else classes
    figure, (roc, pr) = plt.subplots(1, 2, figsize=(9, 4))
    for cls in shown:
        column = classes.index(cls)
        truth = np.asarray(y == cls)
        if truth.all() or not truth.any():
            continue
        skm.RocCurveDisplay.from_predictions(truth, proba[:, column], name=str(cls), ax=roc)
        skm.PrecisionRecallDisplay.from_predictions(truth, proba[:, column], name=str(cls), ax=pr)
    roc.set_title("ROC")
    pr.set_title("Precision-recall")
    figure.suptitle(title)
    image = _figure_to_image(figure)
    plt.close(figure)
    return image


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def predicted_vs_actual_image(model: Pipeline, x: pd.DataFrame, y: pd.Series, title: str) -> Any:
    """A PIL image of predicted against actual values on the holdout, with the line of perfect predictions."""
    plt = _pyplot()
    predicted = model.predict(x)
    figure, axis = plt.subplots(figsize=(4.5, 4))
    axis.scatter(y, predicted, s=10, alpha=0.6)
    low, high = float(min(np.min(y), np.min(predicted))), float(max(np.max(y), np.max(predicted)))
    axis.plot([low, high], [low, high], color="grey", linewidth=1)
    axis.set_xlabel("actual")
    axis.set_ylabel("predicted")
    axis.set_title(title)
    image = _figure_to_image(figure)
    plt.close(figure)
    return image


def residuals_image(model: Pipeline, x: pd.DataFrame, y: pd.Series, title: str) -> Any:
    """A PIL image of the residuals (actual - predicted) against the prediction, and their histogram."""
    plt = _pyplot()
    predicted = model.predict(x)
    residuals = np.asarray(y) - predicted
    figure, (scatter, histogram) = plt.subplots(1, 2, figsize=(9, 4))
    scatter.scatter(predicted, residuals, s=10, alpha=0.6)
    scatter.axhline(0, color="grey", linewidth=1)
    scatter.set_xlabel("predicted")
    scatter.set_ylabel("residual")
    histogram.hist(residuals, bins=30)
    histogram.set_xlabel("residual")
    figure.suptitle(title)
    image = _figure_to_image(figure)
    plt.close(figure)
    return image
