"""Evaluate the selected regressor on the holdout: metrics, predicted against actual, and residuals."""

import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from PIL import Image
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step

from conveyor.config import Features
from conveyor.names import Artifact
from conveyor.training.metrics import holdout_metrics, predicted_vs_actual_image, residuals_image

logger = logging.getLogger(__name__)


@step(experiment_tracker=True)
def evaluate_regressor(
    model: Pipeline, best_candidate: str, test_set: pd.DataFrame, target: str, features: Features
) -> tuple[
    Annotated[dict[str, Any], Artifact.HOLDOUT_METRICS],
    Annotated[Image.Image, Artifact.PREDICTED_VS_ACTUAL],
    Annotated[Image.Image, Artifact.RESIDUALS],
]:
    """Holdout metrics of the winning regressor (RMSE, MAE, R², MAPE), with pictures the dashboard shows."""
    x, y = test_set[features.all], test_set[target]
    metrics = holdout_metrics(model, x, y)
    mlflow.log_metrics({f"holdout_{k}": v for k, v in metrics.items()})
    scatter = predicted_vs_actual_image(model, x, y, f"{best_candidate}: holdout, predicted against actual")
    residuals = residuals_image(model, x, y, f"{best_candidate}: holdout residuals")
    mlflow.log_image(scatter, "predicted_vs_actual.png")
    mlflow.log_image(residuals, "residuals.png")
    log_metadata(metadata=metrics, artifact_name=Artifact.HOLDOUT_METRICS, infer_artifact=True)
    logger.info("Holdout metrics of %s: %s", best_candidate, metrics)
    return metrics, scatter, residuals
