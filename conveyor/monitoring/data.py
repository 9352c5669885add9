"""The two sides of a drift comparison: the champion's training data and the current window.

The reference is found through the champion's model version, never through a path typed again:
MLflow alias ``champion`` -> the version's tag ``conveyor.zenml_model_version`` ("name:number (uuid)")
-> the ZenML model version -> its metadata ``training_data.train_set_artifact_id`` -> the ``train_set``
artifact that the training run produced. The feature schema comes from the same model version.
``ReferenceInfo`` is what the monitoring steps pass on about it (a typed step output), including the
column that holds the champion's predictions on both sides (``conveyor.monitoring.predictions``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from conveyor.config import CurrentData, DataSource
from conveyor.errors import DataSourceError, ReferenceDataError
from conveyor.features.schema import task_of
from conveyor.inference.batch import prediction_column
from conveyor.monitoring.predictions import LOGGED, prediction_kind
from conveyor.names import MlflowTag
from conveyor.platform import storage
from conveyor.platform.paths import project_root
from conveyor.platform.registry import Champion, require_champion
from conveyor.training.data.sources import load_source

logger = logging.getLogger(__name__)

_UUID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")


class ReferenceInfo(BaseModel):
    """Which champion version the reference belongs to, where its training set is, its feature columns, and
    the column of its predictions (``prediction``, compared as ``prediction_kind``)."""

    model_config = ConfigDict(frozen=True)

    model: str
    version: str
    zenml_model_version_id: str
    train_set_artifact_id: str
    numeric: list[str]
    categorical: list[str]
    feature_schema: dict[str, Any]
    task: str
    prediction: str
    prediction_kind: Literal["numeric", "categorical"]

    def compared(self) -> tuple[list[str], list[str]]:
        """The numeric and the categorical columns a drift comparison measures: the features and the prediction."""
        if self.prediction_kind == "numeric":
            return [*self.numeric, self.prediction], list(self.categorical)
        return list(self.numeric), [*self.categorical, self.prediction]


@dataclass(frozen=True)
class Reference:
    champion: Champion
    zenml_model_version_id: str
    train_set_artifact_id: str
    schema: dict[str, Any]
    data: pd.DataFrame

    @property
    def numeric(self) -> list[str]:
        return [f["name"] for f in self.schema["features"] if f["kind"] == "numeric"]

    @property
    def categorical(self) -> list[str]:
        return [f["name"] for f in self.schema["features"] if f["kind"] == "categorical"]

    def info(self) -> ReferenceInfo:
        return ReferenceInfo(
            model=self.champion.name,
            version=self.champion.version,
            zenml_model_version_id=self.zenml_model_version_id,
            train_set_artifact_id=self.train_set_artifact_id,
            numeric=self.numeric,
            categorical=self.categorical,
            feature_schema=self.schema,
            task=task_of(self.schema),
            prediction=prediction_column(self.schema),
            prediction_kind=prediction_kind(self.schema),
        )


def zenml_version_id(tag: str) -> str:
    """The UUID in a ``conveyor.zenml_model_version`` tag ("name:number (uuid)")."""
    match = _UUID.search(tag)
    if match is None:
        raise ReferenceDataError(
            f"model version tag {MlflowTag.ZENML_MODEL_VERSION}='{tag}' has no ZenML model version id"
        )
    return match.group(1)


def champion_reference(tracking_uri: str, model_name: str) -> Reference:
    """The champion's training set and feature schema, found through its MLflow and ZenML model versions."""
    from zenml.client import Client

    champion = require_champion(tracking_uri, model_name)
    tag = champion.tags.get(MlflowTag.ZENML_MODEL_VERSION)
    if tag is None:
        raise ReferenceDataError(
            f"{model_name} version {champion.version} has no tag {MlflowTag.ZENML_MODEL_VERSION}: it was not "
            "registered by Conveyor's training pipeline, so its training data is unknown; retrain it with that pipeline"
        )
    client = Client()
    version = client.get_model_version(model_name, zenml_version_id(tag))
    metadata = version.run_metadata
    artifact_id = (metadata.get("training_data") or {}).get("train_set_artifact_id")
    schema = metadata.get("feature_schema")
    if artifact_id is None or schema is None:
        raise ReferenceDataError(
            f"ZenML model version {tag} lacks metadata training_data.train_set_artifact_id or feature_schema; "
            "retrain the model with Conveyor's training pipeline"
        )
    data = client.get_artifact_version(str(artifact_id)).load()
    logger.info(
        "Reference: %s version %s, train_set artifact %s (%d rows)",
        model_name,
        champion.version,
        artifact_id,
        len(data),
    )
    return Reference(champion, str(version.id), str(artifact_id), dict(schema), data)


def prediction_log_path(path: str | None) -> str:
    """Where to read the prediction log: ``path`` (a file, a URI, a directory or prefix of shipped logs).

    Without ``path``, the file the service writes to: the one configs/deployment.yaml sets, else the default.
    """
    from conveyor.prediction_log.format import default_path
    from conveyor.serving import settings as serving

    if path is not None:
        return storage.locate(path)
    if (project_root() / serving.DEPLOYMENT_CONFIG).exists():
        return str(serving.prediction_log_path(serving.deployment_config().parameters.service))
    return str(default_path())


def current_window(
    source: CurrentData, seed: int, champion_version: str | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    """The current window (the service's prediction log, a file, or generated churn data) and, for the log,
    the predictions logged with its records (same rows; None for the other sources)."""
    from conveyor.prediction_log.reader import log_files, read_features

    if source.kind == "prediction_log":
        location = prediction_log_path(source.path)
        if not log_files(location)[1]:
            logger.warning("Prediction log %s does not exist yet: no current data", location)
            return pd.DataFrame(), None
        version = champion_version if source.champion_only else None
        frame = read_features(location, last=source.last, version=version)
        logged = frame[LOGGED].reset_index(drop=True) if LOGGED in frame.columns else None
        return frame.drop(columns=[c for c in frame.columns if str(c).startswith("_")]), logged
    if source.kind == "churn":
        return load_source(DataSource(kind="churn", rows=source.rows, drift=source.drift), seed=seed), None
    assert source.path is not None  # guaranteed by the schema
    return load_source(DataSource(kind=source.kind, path=source.path), seed=seed, key="current.path"), None


def load_current(source: CurrentData, seed: int, champion_version: str | None) -> pd.DataFrame:
    """The current window: the service's prediction log, a file, or generated churn data."""
    return current_window(source, seed, champion_version)[0]


def model_columns_of(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    """The model's feature columns of ``frame``; a missing one is an error naming it."""
    columns = [*numeric, *categorical]
    absent = [c for c in columns if c not in frame.columns]
    if absent and len(frame):
        raise DataSourceError(
            f"the current data lacks the model's feature column(s) {absent}, so it cannot be compared with the "
            "champion's training data: monitor data with the columns the model was trained on"
        )
    if absent:  # an empty window keeps its shape, so the decision can say "not enough data"
        return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else object) for c in columns})
    return frame[columns].reset_index(drop=True)
