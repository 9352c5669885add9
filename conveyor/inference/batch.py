"""Batch inference helpers: the champion with its feature schema, predictions for a table, output files."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from conveyor.features.records import ROW, model_input
from conveyor.platform import storage
from conveyor.platform.registry import require_champion

PREDICTION = "prediction"
MODEL_VERSION = "model_version"


class BatchModel(BaseModel):
    """What scores a batch: the exact champion version when the batch was read, and its feature schema."""

    model_config = ConfigDict(frozen=True)

    model: str
    version: str
    feature_schema: dict[str, Any]


def batch_model(tracking_uri: str, model_name: str) -> BatchModel:
    """The champion and the feature schema logged in its MLflow run (``feature_schema.json``)."""
    import mlflow

    champion = require_champion(tracking_uri, model_name)
    mlflow.set_tracking_uri(tracking_uri)
    schema = mlflow.artifacts.load_dict(f"runs:/{champion.run_id}/feature_schema.json")
    return BatchModel(model=model_name, version=champion.version, feature_schema=schema)


def predict_frame(model: Any, valid: pd.DataFrame, schema: dict[str, Any], version: str) -> pd.DataFrame:
    """``row``, every input column, the predicted class, one ``proba_<class>`` column per class, the version."""
    x = model_input(valid, schema)
    out = valid.copy()
    if len(valid):
        out[PREDICTION] = model.predict(x)
        probabilities = model.predict_proba(x)
        for index, label in enumerate(model.classes_):
            out[f"proba_{label}"] = probabilities[:, index]
    out[MODEL_VERSION] = version
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
