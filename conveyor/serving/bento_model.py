"""The champion in BentoML's model store: an exact MLflow version imported under a deterministic tag.

"Never latest": the MLflow alias ``champion`` is resolved to an exact registry version N, and that
version is imported once as ``<model name>:v<N>``. The BentoML model carries everything the service
needs, so serving never needs MLflow; the tag says which registry version it is, and
``metadata["mlflow_run_id"]`` proves it. No file in it is a pickle:

- ``model.skops``: the sklearn Pipeline (``load_sklearn``), with its trusted list in ``metadata["trusted_types"]``
  (checked on save and load: platform/model_format.py);
- ``model.onnx``: the compiled graph, when it passed its parity check at registration (``onnx_graph_of``), with
  the parity report in ``parity.json`` either way (``onnx_parity_of``; conveyor/training/onnx_parity.py);
- ``feature_schema.json`` and ``model_card.md`` (``feature_schema_of``, ``model_card_of``);
- ``metadata`` (BentoML's model.yaml): registry name and version, run, metrics, and ``requirements``, the pinned
  packages its estimator needs besides scikit-learn's (``xgboost-cpu``, ``lightgbm``), which its Bento installs.

A model imported by an earlier Conveyor with ``bentoml.sklearn`` (a pickle) is refused with ServingError.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conveyor.errors import ServingError
from conveyor.names import ONNX_ARTIFACT_DIR, ONNX_PARITY_FILE, MlflowTag
from conveyor.platform.model_format import dump_model, load_skops
from conveyor.platform.onnx_runtime import ONNX_FILE
from conveyor.platform.registry import Champion, load_version

logger = logging.getLogger(__name__)

FEATURE_SCHEMA_FILE = "feature_schema.json"
MODEL_CARD_FILE = "model_card.md"
SKLEARN_FILE = "model.skops"


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


def run_artifact_bytes(tracking_uri: str, run_id: str, path: str) -> bytes | None:
    """The bytes of artifact ``path`` of MLflow run ``run_id``, or None when it is missing."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path, tracking_uri=tracking_uri)
    except (MlflowException, OSError):
        return None
    return Path(local).read_bytes()


def run_artifact_text(tracking_uri: str, run_id: str, path: str) -> str | None:
    """The text of artifact ``path`` of MLflow run ``run_id``, or None when it is missing."""
    data = run_artifact_bytes(tracking_uri, run_id, path)
    return None if data is None else data.decode("utf-8")


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
        _require_skops(existing)
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
    parity_text = run_artifact_text(tracking_uri, run_id, f"{ONNX_ARTIFACT_DIR}/{ONNX_PARITY_FILE}") if run_id else None
    parity = json.loads(parity_text) if parity_text else None
    graph = run_artifact_bytes(tracking_uri, run_id, f"{ONNX_ARTIFACT_DIR}/{ONNX_FILE}") if parity else None
    metadata: dict[str, Any] = {
        "registry_model": champion.name,
        "registry_version": champion.version,
        "mlflow_run_id": champion.run_id,
        "promoted_at": champion.promoted_at,
        "candidate": champion.tags.get(MlflowTag.CANDIDATE),
        "metrics": champion.metrics,
    }
    try:
        save_served_model(tag, pipeline, json.loads(schema_text), card, metadata, graph, parity)
    except BentoMLException:
        bentoml.models.get(tag)  # imported concurrently by another worker; anything else re-raises NotFound
    logger.info("Imported %s version %s into BentoML as %s", champion.name, champion.version, tag)
    return served


def save_served_model(
    tag: str,
    pipeline: Any,
    feature_schema: dict[str, Any],
    model_card: str,
    metadata: dict[str, Any],
    onnx_graph: bytes | None = None,
    onnx_parity: dict[str, Any] | None = None,
) -> None:
    """Save a sklearn Pipeline in the layout service.py reads (the module docstring lists the files).

    ``metadata`` needs ``registry_model`` and ``registry_version``; the trusted list, the packages the
    Pipeline's estimator needs and the parity report are added to it. ModelFormatError when the Pipeline holds an
    untrusted type. ``onnx_graph`` is stored only with a report whose runtime is ``onnx``.
    """
    import bentoml

    from conveyor.training.models import requirements_of

    data, trusted = dump_model(pipeline, f"BentoML model {tag}")
    extra = {"requirements": requirements_of(pipeline), "trusted_types": trusted}
    with bentoml.models.create(
        tag, labels={"conveyor.registry_version": str(metadata["registry_version"])}, metadata={**metadata, **extra}
    ) as model:
        Path(model.path_of(SKLEARN_FILE)).write_bytes(data)
        Path(model.path_of(FEATURE_SCHEMA_FILE)).write_text(json.dumps(feature_schema, indent=2), encoding="utf-8")
        Path(model.path_of(MODEL_CARD_FILE)).write_text(model_card, encoding="utf-8")
        if onnx_parity is not None:
            Path(model.path_of(ONNX_PARITY_FILE)).write_text(json.dumps(onnx_parity, indent=2), encoding="utf-8")
            if onnx_graph is not None and onnx_parity.get("runtime") == "onnx":
                Path(model.path_of(ONNX_FILE)).write_bytes(onnx_graph)


def _require_skops(stored: Any) -> None:
    """ServingError unless ``stored`` holds its Pipeline as a skops file (not a ``bentoml.sklearn`` pickle)."""
    if not Path(stored.path_of(SKLEARN_FILE)).is_file():
        raise ServingError(
            f"BentoML model {stored.tag} holds no {SKLEARN_FILE}: it was imported by an earlier Conveyor as a pickle "
            f"({stored.info.module or 'unknown module'}), which Conveyor no longer loads. Delete it with "
            f"`bentoml models delete {stored.tag} -y` and deploy again (python run.py --pipeline deployment)"
        )


def load_sklearn(stored: Any) -> Any:
    """The sklearn Pipeline of BentoML model ``stored`` (a ``bentoml.models.get`` result), from its skops file.

    Loaded with the trusted list saved beside it, checked against the allow-list first; ServingError for a model
    stored as a pickle, ModelFormatError for a type that is not trusted.
    """
    _require_skops(stored)
    trusted = stored.info.metadata.get("trusted_types") or []
    return load_skops(stored.path_of(SKLEARN_FILE), trusted, f"BentoML model {stored.tag}")


def feature_schema_of(stored: Any) -> dict[str, Any]:
    """The feature schema stored with BentoML model ``stored``."""
    _require_skops(stored)
    return json.loads(Path(stored.path_of(FEATURE_SCHEMA_FILE)).read_text(encoding="utf-8"))


def model_card_of(stored: Any) -> str:
    """The model card stored with BentoML model ``stored`` (empty when it has none)."""
    path = Path(stored.path_of(MODEL_CARD_FILE))
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def onnx_parity_of(stored: Any) -> dict[str, Any] | None:
    """The parity report stored with BentoML model ``stored`` (None: imported without one)."""
    path = Path(stored.path_of(ONNX_PARITY_FILE))
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def onnx_graph_of(stored: Any) -> str | None:
    """The path of the compiled graph of BentoML model ``stored``, or None when it has none."""
    path = Path(stored.path_of(ONNX_FILE))
    return str(path) if path.is_file() else None


def model_requirements(tag: str) -> list[str]:
    """The pinned packages the estimator of BentoML model ``tag`` needs besides scikit-learn's stack."""
    import bentoml

    stored = bentoml.models.get(tag)
    _require_skops(stored)
    return [str(r) for r in stored.info.metadata["requirements"]]
