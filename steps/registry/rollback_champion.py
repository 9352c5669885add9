"""Move the champion back: MLflow alias `champion` and ZenML stage `production` together, under the promotion lease."""

import logging
from typing import Annotated

import mlflow
from zenml import add_tags, get_step_context, step

from conveyor.names import Artifact
from conveyor.platform.history import promotion_history
from conveyor.platform.registry import stack_tracking_uri
from conveyor.platform.rollback import Rollback, RollbackPlan, execute_rollback
from conveyor.serving.bento_model import MODEL_CARD_FILE, run_artifact_text
from conveyor.training.card import with_history

logger = logging.getLogger(__name__)


def _refresh_cards(uri: str, model_name: str, versions: tuple[str, ...]) -> None:
    """Bring the promotion-history section of these versions' model cards (in MLflow) up to date."""
    client = mlflow.MlflowClient(tracking_uri=uri)
    events = promotion_history(uri, model_name)
    for version in versions:
        run_id = client.get_model_version(model_name, version).run_id
        card = run_artifact_text(uri, run_id, MODEL_CARD_FILE) if run_id else None
        if card is None:
            logger.info("%s version %s has no model card to update", model_name, version)
            continue
        client.log_text(run_id, with_history(card, events), MODEL_CARD_FILE)


@step(enable_cache=False)
def rollback_champion(plan: RollbackPlan) -> Annotated[Rollback, Artifact.ROLLBACK]:
    """Only if the champion is still the one the plan was checked against; recorded in history and on both versions."""
    uri = stack_tracking_uri()
    rollback = execute_rollback(uri, plan, zenml_run=get_step_context().pipeline_run.name)
    add_tags(tags=[f"model_version:{plan.model_name}:{plan.to_version}"])  # on this run, for the dashboard
    _refresh_cards(uri, plan.model_name, (plan.from_version, plan.to_version))
    return rollback
