"""Batch inference helpers: the champion with its feature schema, predictions for a table, output files.

The predictions table follows the champion's task (``task`` in its feature schema): ``id`` (each prediction's
own id, as the service gives them: ``prediction_log.format.new_ids``), ``prediction`` (the class, or a number
for regression), for classification one ``proba_<class>`` column per class, and ``model_version``. An output
column never replaces an input column (a feature, or one carried along such as a customer's ``id``): if one
has its name, the output column's name gets leading underscores (``output_name``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from conveyor.features.records import ROW, model_input
from conveyor.features.schema import task_of
from conveyor.platform import storage
from conveyor.platform.registry import require_champion
from conveyor.prediction_log.format import new_ids

ID = "id"
PREDICTION = "prediction"
MODEL_VERSION = "model_version"


class BatchModel(BaseModel):
    """What scores a batch: the exact champion version when the batch was read, and its feature schema."""

    model_config = ConfigDict(frozen=True)

    model: str
    version: str
    feature_schema: dict[str, Any]

    @property
    def task(self) -> str:
        return task_of(self.feature_schema)


def batch_model(tracking_uri: str, model_name: str) -> BatchModel:
    """The champion and the feature schema logged in its MLflow run (``feature_schema.json``)."""
    import mlflow

    champion = require_champion(tracking_uri, model_name)
    mlflow.set_tracking_uri(tracking_uri)
    schema = mlflow.artifacts.load_dict(f"runs:/{champion.run_id}/feature_schema.json")
    return BatchModel(model=model_name, version=champion.version, feature_schema=schema)


def output_name(name: str, schema: dict[str, Any], columns: Iterable[str] = ()) -> str:
    """``name``, or ``name`` with leading underscores, as few as make it no feature's name in ``schema`` and none
    of ``columns`` (the input's other columns)."""
    taken = {feature["name"] for feature in schema["features"]} | set(columns)
    while name in taken:
        name = f"_{name}"
    return name


def prediction_column(schema: dict[str, Any]) -> str:
    """The column that holds the model's predictions: ``prediction`` unless a feature is called that."""
    return output_name(PREDICTION, schema)


def predict_frame(model: Any, valid: pd.DataFrame, schema: dict[str, Any], version: str) -> pd.DataFrame:
    """``row``, every input column, a new id per row, the prediction, for classification one ``proba_<class>``
    column per class, and the version.

    For regression the prediction column is there (as floats) even when no row was valid.
    """
    x = model_input(valid, schema)
    out = valid.copy()
    inputs = list(valid.columns)
    out[output_name(ID, schema, inputs)] = pd.Series(new_ids(len(valid)), index=valid.index, dtype=object)
    prediction = output_name(PREDICTION, schema, inputs)
    if task_of(schema) == "regression":
        out[prediction] = np.asarray(model.predict(x), dtype="float64") if len(valid) else np.empty(0)
    elif len(valid):
        out[prediction] = model.predict(x)
        probabilities = model.predict_proba(x)
        for index, label in enumerate(model.classes_):
            out[output_name(f"proba_{label}", schema, inputs)] = probabilities[:, index]
    out[output_name(MODEL_VERSION, schema, inputs)] = version
    return out[[ROW, *[c for c in out.columns if c != ROW]]]


def invalid_path(output: str) -> str:
    """Where the invalid rows of a batch go: beside the predictions, ``<stem>.invalid<suffix>``."""
    stem, dot, suffix = output.rpartition(".")
    return f"{stem}.invalid.{suffix}" if dot else f"{output}.invalid"


def write_table(frame: pd.DataFrame, location: str, key: str = "output.path") -> None:
    """Write ``frame`` as csv or parquet (by the suffix) to a local path or a URI."""
    with storage.open_file(location, key, "wb") as handle:
        if location.endswith(".parquet"):
            frame.to_parquet(handle, index=False)
        else:
            frame.to_csv(handle, index=False)
