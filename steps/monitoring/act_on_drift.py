"""Apply the policy of the run config when monitoring breached: warn, fail, or retrain."""

import logging
from typing import Annotated, Any, Literal

from zenml import get_step_context, step
from zenml.client import Client

from conveyor.config import Retraining
from conveyor.constants import MONITORING_ACTION, PROMOTION
from conveyor.errors import DriftBreachError
from conveyor.monitoring import retraining_config, start_retraining

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def act_on_drift(
    drift_decision: dict[str, Any],
    policy: Literal["warn", "fail", "retrain"],
    retrain: Retraining,
    model_name: str,
) -> Annotated[dict[str, Any], MONITORING_ACTION]:
    """Retraining runs the training pipeline, whose own gate decides whether the champion changes."""
    action: dict[str, Any] = {"status": drift_decision["status"], "policy": policy, "action": "none"}
    if not drift_decision["breached"]:
        logger.info("No action: monitoring status is %s", drift_decision["status"])
        return action
    if policy == "fail":
        raise DriftBreachError(drift_decision["reasons"])
    if policy == "warn":
        logger.warning("Drift breached the thresholds (policy: warn): %s", "; ".join(drift_decision["reasons"]))
        return {**action, "action": "warned"}

    monitoring_run = get_step_context().pipeline_run.name
    config = retraining_config(retrain, model_name, monitoring_run)
    logger.info("Drift breached the thresholds (policy: retrain): starting the training pipeline")
    run = Client().get_pipeline_run(start_retraining(config, f"retrain-{monitoring_run}"))
    promotion = run.steps["promote_model"].outputs[PROMOTION][0].load()
    outcome = "was promoted" if promotion["promoted"] else "was not promoted"
    logger.info(
        "Retraining run %s: challenger version %s %s (%s)", run.name, promotion["version"], outcome, promotion["reason"]
    )
    return {
        **action,
        "action": "retrained",
        "training_run": run.name,
        "training_run_id": str(run.id),
        "challenger_version": promotion["version"],
        "promoted": promotion["promoted"],
        "reason": promotion["reason"],
    }
