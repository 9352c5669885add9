"""Global feature importance on the holdout: permutation importance per input column, as a table and a chart.

The model is the whole scikit-learn Pipeline, so the columns shuffled are the ones the pipeline receives
(a categorical feature counts once, however many one-hot columns it becomes). Importance is the drop in the
selection metric's scorer (``metrics.scorer``, larger is better) when one column is shuffled: in the metric's
own units, and for a lower-is-better metric (log loss, RMSE, ...) the rise of that metric. The same seed gives
the same table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.base import is_classifier
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline
from sklearn.utils import resample

from conveyor.config import Explain
from conveyor.training.metrics import _figure_to_image, _pyplot, scorer

METHOD = "permutation"
# The table's columns, in order: one row per input column, most important first.
COLUMNS = ("rank", "feature", "importance_mean", "importance_std")


def scored_rows(holdout_rows: int, settings: Explain) -> int:
    """How many holdout rows the importance is computed on: all of them, or a seeded sample of ``max_rows``."""
    return min(holdout_rows, settings.max_rows)


def _sample(x: pd.DataFrame, y: pd.Series, settings: Explain, seed: int, stratify: bool) -> tuple[Any, Any]:
    rows = scored_rows(len(x), settings)
    if rows == len(x):
        return x, y
    return resample(x, y, replace=False, n_samples=rows, random_state=seed, stratify=y if stratify else None)


def feature_importance(
    model: Pipeline, x: pd.DataFrame, y: pd.Series, metric: str, settings: Explain, seed: int
) -> pd.DataFrame:
    """Permutation importance of every column of ``x`` for ``model`` on (a seeded sample of) the holdout."""
    classifier = is_classifier(model)
    x, y = _sample(x, y, settings, seed, stratify=classifier)
    result = permutation_importance(
        model,
        x,
        y,
        scoring=scorer(metric, list(model.classes_) if classifier else []),
        n_repeats=settings.n_repeats,
        random_state=seed,
        n_jobs=1,
    )
    table = pd.DataFrame(
        {
            "feature": list(x.columns),
            "importance_mean": result.importances_mean.round(6),
            "importance_std": result.importances_std.round(6),
        }
    )
    table = table.sort_values(["importance_mean", "feature"], ascending=[False, True], ignore_index=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table[list(COLUMNS)]


def importance_chart(table: pd.DataFrame, metric: str, title: str) -> Any:
    """A PIL image of the table: one horizontal bar per feature (most important on top), the spread as error bars."""
    plt = _pyplot()
    shown = table.iloc[::-1]  # barh draws from the bottom up
    figure, axis = plt.subplots(figsize=(6.5, 0.4 * len(shown) + 1.5))
    axis.barh(shown["feature"], shown["importance_mean"], xerr=shown["importance_std"], color="#4c72b0", capsize=3)
    axis.axvline(0, color="grey", linewidth=1)
    axis.set_xlabel(f"how much {metric} worsens when the feature is shuffled (holdout)")
    axis.set_title(title)
    image = _figure_to_image(figure)
    plt.close(figure)
    return image
