"""Write the model card of the registered version."""

import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step
from zenml.types import MarkdownString

from conveyor.config import CardSection, DataSource, Explain
from conveyor.features.schema import task_of
from conveyor.names import Artifact
from conveyor.platform.history import promotion_history
from conveyor.platform.registry import stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.card import render_card, with_history
from conveyor.training.gate import GateDecision, Promotion
from conveyor.training.selection import class_balance

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def model_card(
    registered: RegisteredVersion,
    metrics: dict[str, Any],
    decision: GateDecision,
    promotion: Promotion,
    leaderboard: pd.DataFrame,
    feature_schema: dict[str, Any],
    train_set: pd.DataFrame,
    test_set: pd.DataFrame,
    source: DataSource,
    seed: int,
    about: CardSection,
    importance: pd.DataFrame,
    explain: Explain,
    onnx_parity: dict[str, Any] | None = None,
) -> Annotated[MarkdownString, Artifact.MODEL_CARD]:
    """A markdown card in the dashboard, and the same file beside the model in MLflow.

    The explain step logged the importance chart into the same MLflow run, so the card's reference resolves.
    """
    data: dict[str, Any] = {
        "source": source.model_dump(exclude_none=True),
        "seed": seed,
        "rows": len(train_set),
        "holdout_rows": len(test_set),
    }
    target = feature_schema["target"]
    if task_of(feature_schema) == "classification":
        data["balance"] = {"train": class_balance(train_set[target]), "holdout": class_balance(test_set[target])}
    else:
        data["range"] = {"train": (float(train_set[target].min()), float(train_set[target].max()))}
    card = render_card(
        registered,
        metrics,
        decision,
        promotion,
        leaderboard,
        feature_schema,
        data,
        about=about,
        importance=importance,
        explain=explain,
        onnx=onnx_parity,
    )
    card = with_history(card, promotion_history(stack_tracking_uri(), registered.name))  # this run's move too
    mlflow.MlflowClient(tracking_uri=stack_tracking_uri()).log_text(registered.run_id, card, "model_card.md")
    logger.info("Model card written for %s version %s", registered.name, registered.version)
    return MarkdownString(card)
