"""Classification metrics, scorers and plots, for binary and multiclass targets."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.pipeline import Pipeline

from conveyor.config import LOWER_IS_BETTER


def scorer(metric: str, classes: list[Any]) -> Any:
    """The sklearn scorer for ``metric``; larger is always better (log loss is negated)."""
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


def holdout_metrics(model: Pipeline, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    """Accuracy, F1, ROC AUC and log loss on a holdout set (macro/one-vs-rest for multiclass)."""
    classes = list(model.classes_)
    predicted = model.predict(x)
    proba = model.predict_proba(x)
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
