"""The champion in BentoML's model store: an exact MLflow version imported under a deterministic tag.

"Never latest": the MLflow alias ``champion`` is resolved to an exact registry version N, and that
version is imported once as ``<model name>:v<N>``. The BentoML model carries everything the service
needs (the sklearn Pipeline, the feature schema, metrics and the model card), so serving never needs
MLflow; the tag says which registry version it is, and ``metadata["mlflow_run_id"]`` proves it.
``metadata["requirements"]`` lists the pinned packages its estimator needs besides scikit-learn's
(``xgboost-cpu``, ``lightgbm``), which the Bento of that model installs.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from conveyor.errors import ServingError
from conveyor.names import MlflowTag
from conveyor.platform.registry import Champion, load_version

logger = logging.getLogger(__name__)

FEATURE_SCHEMA_FILE = "feature_schema.json"
MODEL_CARD_FILE = "model_card.md"


@dataclass(frozen=True)
class ServedModel:
    """A champion imported into BentoML's model store."""

    tag: str
    name: str
    version: str
    run_id: str | None


def bento_tag(model_name: str, version: str) -> str:
    """The deterministic BentoML tag of registry version ``version``, e.g. ``conveyor-churn:v3``."""
    return f"{model_name}:v{version}"


def run_artifact_text(tracking_uri: str, run_id: str, path: str) -> str | None:
    """The text of artifact ``path`` of MLflow run ``run_id``, or None when it is missing."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path, tracking_uri=tracking_uri)
    except (MlflowException, OSError):
        return None
    with open(local, encoding="utf-8") as handle:
        return handle.read()


def import_champion(tracking_uri: str, champion: Champion) -> ServedModel:
    """Import ``champion`` into the BentoML model store unless its tag is already there; return it.

    Raises ServingError when the tag exists but holds a different MLflow run (a registry that was
    recreated while the BentoML store was kept).
    """
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    tag = bento_tag(champion.name, champion.version)
    served = ServedModel(tag=tag, name=champion.name, version=champion.version, run_id=champion.run_id)
    try:
        existing = bentoml.models.get(tag)
    except NotFound:
        existing = None
    if existing is not None:
        stored_run = existing.info.metadata.get("mlflow_run_id")
        if stored_run != champion.run_id:
            raise ServingError(
                f"BentoML model {tag} holds MLflow run {stored_run}, but registry version {champion.version} "
                f"is run {champion.run_id}: the registry was recreated; delete the stale model with "
                f"`bentoml models delete {tag} -y` and deploy again"
            )
        logger.info("BentoML model %s is already imported; reusing it", tag)
        return served

    pipeline = load_version(tracking_uri, champion.name, champion.version)
    run_id = champion.run_id or ""
    schema_text = run_artifact_text(tracking_uri, run_id, FEATURE_SCHEMA_FILE) if run_id else None
    if schema_text is None:
        raise ServingError(
            f"model '{champion.name}' version {champion.version} has no {FEATURE_SCHEMA_FILE} in its MLflow run: "
            "it was not registered by Conveyor's training pipeline; retrain it"
        )
    card = (run_artifact_text(tracking_uri, run_id, MODEL_CARD_FILE) if run_id else None) or ""
    metadata: dict[str, Any] = {
        "registry_model": champion.name,
        "registry_version": champion.version,
        "mlflow_run_id": champion.run_id,
        "promoted_at": champion.promoted_at,
        "candidate": champion.tags.get(MlflowTag.CANDIDATE),
        "metrics": champion.metrics,
    }
    try:
        save_served_model(tag, pipeline, json.loads(schema_text), card, metadata)
    except BentoMLException:
        bentoml.models.get(tag)  # imported concurrently by another worker; anything else re-raises NotFound
    logger.info("Imported %s version %s into BentoML as %s", champion.name, champion.version, tag)
    return served


def save_served_model(
    tag: str, pipeline: Any, feature_schema: dict[str, Any], model_card: str, metadata: dict[str, Any]
) -> None:
    """Save a sklearn Pipeline in the layout service.py reads.

    ``metadata`` needs ``registry_model`` and ``registry_version``; the schema and card go into custom objects,
    the packages the Pipeline's estimator needs into ``metadata["requirements"]``.
    """
    import bentoml

    from conveyor.training.models import requirements_of

    bentoml.sklearn.save_model(
        tag,
        pipeline,
        labels={"conveyor.registry_version": str(metadata["registry_version"])},
        metadata={**metadata, "requirements": requirements_of(pipeline)},
        custom_objects={"feature_schema": feature_schema, "model_card": model_card},
    )


def model_requirements(tag: str) -> list[str]:
    """The pinned packages the estimator of BentoML model ``tag`` needs besides scikit-learn's stack."""
    import bentoml

    stored = bentoml.models.get(tag)
    requirements = stored.info.metadata.get("requirements")
    if requirements is None:  # saved before the requirements were recorded: ask the model itself
        from conveyor.training.models import requirements_of

        return requirements_of(bentoml.sklearn.load_model(stored))
    return [str(r) for r in requirements]
