"""Write the model card of the registered version."""

import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step
from zenml.types import MarkdownString

from conveyor.config import DataSource
from conveyor.names import MODEL_CARD
from conveyor.platform.registry import stack_tracking_uri
from conveyor.training.card import render_card

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def model_card(
    registered: dict[str, Any],
    metrics: dict[str, Any],
    decision: dict[str, Any],
    promotion: dict[str, Any],
    leaderboard: pd.DataFrame,
    feature_schema: dict[str, Any],
    train_set: pd.DataFrame,
    source: DataSource,
    seed: int,
) -> Annotated[MarkdownString, MODEL_CARD]:
    """A markdown card in the dashboard, and the same file beside the model in MLflow."""
    data = {"source": source.model_dump(exclude_none=True), "seed": seed, "rows": len(train_set)}
    card = render_card(registered, metrics, decision, promotion, leaderboard, feature_schema, data)
    mlflow.MlflowClient(tracking_uri=stack_tracking_uri()).log_text(registered["run_id"], card, "model_card.md")
    logger.info("Model card written for %s version %s", registered["name"], registered["version"])
    return MarkdownString(card)
