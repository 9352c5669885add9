"""Apply the policy of the run config when monitoring breached: warn, fail, or request a retraining."""

import logging
from typing import Annotated, Any, Literal

from zenml import get_step_context, step
from zenml.client import Client

from conveyor.config import Retraining
from conveyor.errors import DriftBreachError
from conveyor.monitoring.decisions import retraining_config, write_config
from conveyor.names import RETRAINING_FOLDER, Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def act_on_drift(
    drift_decision: dict[str, Any],
    policy: Literal["warn", "fail", "retrain"],
    retrain: Retraining,
    model_name: str,
) -> Annotated[dict[str, Any], Artifact.MONITORING_ACTION]:
    """Retraining is only requested here: the client that launched this run starts the training pipeline.

    The resolved training config (and, with ``retrain.labelled``, the combined training data) is written to
    the active artifact store, which every process of the stack can read.
    """
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
    folder = f"{str(Client().active_stack.artifact_store.path).rstrip('/')}/{RETRAINING_FOLDER}"
    config = retraining_config(retrain, model_name, monitoring_run, folder)
    config_uri = write_config(config, f"{folder}/{config.run_name}.yaml")
    logger.info(
        "Drift breached the thresholds (policy: retrain): training run %s requested, config %s",
        config.run_name,
        config_uri,
    )
    return {
        **action,
        "action": "retraining_requested",
        "training_run": config.run_name,
        "config_uri": config_uri,
        "training_config": config.model_dump(mode="json"),
    }
