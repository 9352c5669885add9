"""The prediction column of a drift comparison: what the champion answers, on each side.

Reference side: the champion's predictions on its own training set, computed at monitoring time. Current
side: the predictions logged with the records (the prediction log's ``_prediction``, or a file's prediction
column, as batch inference writes it), or, for data without any, the champion's predictions on those rows.
The column is numeric for regression and categorical (the labels as text) for classification. It is
called ``prediction``, or ``_prediction`` when a feature has that name (``inference.batch.prediction_column``),
so it never replaces a feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd

from conveyor.features.records import model_input
from conveyor.features.schema import task_of

LOGGED = "_prediction"  # the prediction log reader's column of logged predictions
# where the current side's predictions came from (``with_current_predictions``)
LOGGED_ORIGIN, COMPUTED, NO_ROWS = "logged with the records", "computed with the champion", "none (no rows)"


def prediction_kind(schema: dict[str, Any]) -> Literal["numeric", "categorical"]:
    """How the predictions are compared: as numbers for regression, as categories for classification."""
    return "numeric" if task_of(schema) == "regression" else "categorical"


def typed(values: pd.Series, schema: dict[str, Any]) -> pd.Series:
    """``values`` as the comparison takes them: floats (regression) or labels as text (classification)."""
    if prediction_kind(schema) == "numeric":
        return pd.to_numeric(values, errors="coerce").astype("float64")
    return values.where(values.isna(), values.astype(str)).astype(object)


def predictions(model: Any, frame: pd.DataFrame, schema: dict[str, Any]) -> pd.Series:
    """The model's predictions for the rows of ``frame`` (features as the schema types them), typed."""
    if not len(frame):
        return typed(pd.Series([], index=frame.index, dtype=object), schema)
    return typed(pd.Series(model.predict(model_input(frame, schema)), index=frame.index), schema)


def logged_predictions(frame: pd.DataFrame, column: str, logged: pd.Series | None = None) -> pd.Series | None:
    """The predictions that came with the current rows, if any: ``logged`` (the log's), else ``frame[column]``."""
    if logged is not None and logged.notna().any():
        return logged.reset_index(drop=True)
    if column in frame.columns and frame[column].notna().any():
        return frame[column].reset_index(drop=True)
    return None


def with_current_predictions(
    current: pd.DataFrame,
    raw: pd.DataFrame,
    schema: dict[str, Any],
    column: str,
    model: Callable[[], Any],
    logged: pd.Series | None = None,
) -> tuple[pd.DataFrame, str]:
    """``current`` (the feature columns of ``raw``, same rows) plus ``column``; also where the predictions came from.

    ``logged`` are the predictions the prediction log holds for these rows (``data.current_window``). ``model``
    is called only when neither they nor ``raw`` carry predictions and there are rows to score.
    """
    logged = logged_predictions(raw, column, logged) if len(raw) else None
    if logged is not None:
        return current.assign(**{column: typed(logged, schema).to_numpy()}), LOGGED_ORIGIN
    if not len(current):
        return current.assign(**{column: predictions(None, current, schema)}), NO_ROWS
    return current.assign(**{column: predictions(model(), current, schema)}), COMPUTED
