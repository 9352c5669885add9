"""Explain the selected model: permutation feature importance on the holdout, as a table and a chart."""

import logging
from typing import Annotated

import mlflow
import pandas as pd
from PIL import Image
from sklearn.pipeline import Pipeline
from zenml import log_metadata, step

from conveyor.config import Explain, Features
from conveyor.names import Artifact
from conveyor.training.explain import METHOD, feature_importance, importance_chart, scored_rows

logger = logging.getLogger(__name__)


@step(experiment_tracker=True)
def explain_model(
    model: Pipeline,
    best_candidate: str,
    test_set: pd.DataFrame,
    target: str,
    features: Features,
    metric: str,
    explain: Explain,
    seed: int,
) -> tuple[
    Annotated[pd.DataFrame, Artifact.FEATURE_IMPORTANCE],
    Annotated[Image.Image, Artifact.IMPORTANCE_CHART],
]:
    """How much the selection metric worsens when each input column is shuffled, with a chart the dashboard shows."""
    table = feature_importance(model, test_set[features.all], test_set[target], metric, explain, seed)
    chart = importance_chart(table, metric, f"{best_candidate}: permutation importance")
    mlflow.log_table(table, "feature_importance.json")
    mlflow.log_image(chart, "importance_chart.png")
    facts = {
        "method": METHOD,
        "metric": metric,
        "rows": scored_rows(len(test_set), explain),
        "n_repeats": explain.n_repeats,
        "seed": seed,
    }
    log_metadata(metadata=facts, artifact_name=Artifact.FEATURE_IMPORTANCE, infer_artifact=True)
    top = ", ".join(f"{f} {v:.4f}" for f, v in zip(table["feature"], table["importance_mean"], strict=True))
    logger.info("Feature importance of %s by %s (%s rows): %s", best_candidate, metric, facts["rows"], top)
    return table, chart
