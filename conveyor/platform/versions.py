"""Typed step outputs about registry versions: the version a training run registered, the champion a deployment serves.

Both are pydantic models, so ZenML stores them with its built-in pydantic materializer and the dashboard
shows them as JSON. Field names are the artifact's keys and stay stable: stored runs are read back by them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from conveyor.names import MlflowTag
from conveyor.platform.registry import Champion


class RegisteredVersion(BaseModel):
    """The MLflow model version a training run registered, and the ZenML model version linked to it."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    run_id: str
    model_uri: str
    candidate: str
    zenml_model_version: int
    zenml_model_version_id: str


class ChampionVersion(BaseModel):
    """The exact version carrying the champion alias when a deployment started, and its BentoML model tag."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str
    run_id: str | None
    model_uri: str
    bento_model_tag: str
    zenml_model_version: str | None  # the tag "name:number (uuid)" of the linked ZenML model version
    metrics: dict[str, float]

    @classmethod
    def of(cls, champion: Champion, bento_model_tag: str) -> ChampionVersion:
        return cls(
            name=champion.name,
            version=champion.version,
            run_id=champion.run_id,
            model_uri=f"models:/{champion.name}/{champion.version}",
            bento_model_tag=bento_model_tag,
            zenml_model_version=champion.tags.get(MlflowTag.ZENML_MODEL_VERSION),
            metrics=champion.metrics,
        )
