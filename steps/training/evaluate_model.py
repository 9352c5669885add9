"""Evaluate the selected model on the holdout: metrics, confusion matrix and curves."""

import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from PIL import Image
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step

from conveyor.config import Features
from conveyor.names import Artifact
from conveyor.training.metrics import confusion_matrix_image, curves_image, holdout_metrics

logger = logging.getLogger(__name__)


@step(experiment_tracker=True)
def evaluate_model(
    model: Pipeline, best_candidate: str, test_set: pd.DataFrame, target: str, features: Features
) -> tuple[
    Annotated[dict[str, Any], Artifact.HOLDOUT_METRICS],
    Annotated[Image.Image, Artifact.CONFUSION_MATRIX],
    Annotated[Image.Image, Artifact.CURVES],
]:
    """Holdout metrics of the winner, with pictures the dashboard shows."""
    x, y = test_set[features.all], test_set[target]
    metrics = holdout_metrics(model, x, y)
    mlflow.log_metrics({f"holdout_{k}": v for k, v in metrics.items()})
    matrix = confusion_matrix_image(model, x, y, f"{best_candidate}: holdout confusion matrix")
    curves = curves_image(model, x, y, f"{best_candidate}: holdout curves")
    mlflow.log_image(matrix, "confusion_matrix.png")
    mlflow.log_image(curves, "curves.png")
    # a table in the dashboard
    log_metadata(metadata=metrics, artifact_name=Artifact.HOLDOUT_METRICS, infer_artifact=True)
    logger.info("Holdout metrics of %s: %s", best_candidate, metrics)
    return metrics, matrix, curves
