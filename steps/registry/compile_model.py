"""Compile the registered Pipeline to ONNX, check its parity with scikit-learn, and store both in its MLflow run."""

import json
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Any

import mlflow
import pandas as pd
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step

from conveyor.config import Features, OnnxSettings
from conveyor.names import ONNX_ARTIFACT_DIR, ONNX_PARITY_FILE, Artifact, MlflowTag
from conveyor.platform.onnx_runtime import ONNX_FILE
from conveyor.platform.registry import stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.onnx_parity import compile_and_check

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def compile_model(
    registered: RegisteredVersion,
    model: Pipeline,
    test_set: pd.DataFrame,
    features: Features,
    feature_schema: dict[str, Any],
    onnx: OnnxSettings,
    seed: int,
) -> Annotated[dict[str, Any], Artifact.ONNX_PARITY]:
    """``onnx/model.onnx`` (only when parity holds) and ``onnx/parity.json`` beside the registered model.

    The report's ``runtime`` says what a service with ``service.runtime: auto`` will run; the registered version
    is tagged with it (``conveyor.runtime``) and the model card says why.
    """
    graph, report = compile_and_check(model, feature_schema, test_set[features.all], onnx, seed)
    client = mlflow.MlflowClient(tracking_uri=stack_tracking_uri())
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ONNX_PARITY_FILE).write_text(json.dumps(report, indent=2), encoding="utf-8")
        if graph is not None:
            (Path(folder) / ONNX_FILE).write_bytes(graph)
        client.log_artifacts(registered.run_id, folder, ONNX_ARTIFACT_DIR)
    if report["max_diff"] is not None:
        client.log_metric(registered.run_id, "onnx_max_diff", report["max_diff"])
    client.set_model_version_tag(registered.name, registered.version, MlflowTag.RUNTIME, report["runtime"])
    log_metadata(metadata={"onnx": {k: v for k, v in report.items() if k != "problems"}}, infer_model=True)
    if report["runtime"] == "onnx":
        logger.info(
            "Compiled %s version %s to ONNX (%s precision, %.1f s): parity holds on %s rows, largest difference %.3g "
            "(tolerance %g)", registered.name, registered.version, report["precision"], report["seconds"],
            " + ".join(str(n) for n in report["rows"].values()), report["max_diff"], report["tolerance"],
        )
    else:
        logger.warning("%s version %s will be served by scikit-learn: %s", registered.name, registered.version,
                       report["reason"])
    return report
