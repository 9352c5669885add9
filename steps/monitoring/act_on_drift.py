"""Apply the policy of the run config when monitoring breached (drift, or degraded live performance):
warn, fail, or request a retraining."""

import logging
from typing import Annotated, Any, Literal

import pandas as pd
from zenml import get_step_context, step
from zenml.client import Client

from conveyor.config import Retraining
from conveyor.errors import DriftBreachError
from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.decisions import retraining_config, write_config
from conveyor.monitoring.ground_truth import as_training_rows
from conveyor.monitoring.performance import PerformanceDecision
from conveyor.names import RETRAINING_FOLDER, Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def act_on_drift(
    drift_decision: dict[str, Any],
    performance_decision: PerformanceDecision,
    labelled_set: pd.DataFrame,
    reference_info: ReferenceInfo,
    policy: Literal["warn", "fail", "retrain"],
    retrain: Retraining,
    model_name: str,
) -> Annotated[dict[str, Any], Artifact.MONITORING_ACTION]:
    """Retraining is only requested here: the client that launched this run starts the training pipeline.

    A breach is drift (``drift_decision``) or degraded live performance (``performance_decision``). The
    resolved training config and the combined training data (the configured data, ``retrain.labelled``, and
    the window's labelled live rows) are written to the active artifact store, which every process of the
    stack can read.
    """
    performance = performance_decision
    action: dict[str, Any] = {
        "status": drift_decision["status"],
        "performance": performance.status,
        "policy": policy,
        "action": "none",
    }
    reasons = [*(drift_decision["reasons"] if drift_decision["breached"] else [])]
    reasons += [f"live performance degraded: {r}" for r in performance.reasons] if performance.degraded else []
    if not reasons:
        logger.info("No action: drift status %s, performance %s", drift_decision["status"], performance.status)
        return action
    if policy == "fail":
        raise DriftBreachError(reasons)
    if policy == "warn":
        logger.warning("Monitoring breached its thresholds (policy: warn): %s", "; ".join(reasons))
        return {**action, "action": "warned"}

    monitoring_run = get_step_context().pipeline_run.name
    folder = f"{str(Client().active_stack.artifact_store.path).rstrip('/')}/{RETRAINING_FOLDER}"
    schema = reference_info.feature_schema
    live = as_training_rows(labelled_set, [*reference_info.numeric, *reference_info.categorical], schema["target"])
    config = retraining_config(retrain, model_name, monitoring_run, folder, live=live)
    config_uri = write_config(config, f"{folder}/{config.run_name}.yaml")
    logger.info(
        "Monitoring breached its thresholds (policy: retrain): training run %s requested (with %d labelled live "
        "rows), config %s",
        config.run_name,
        len(live),
        config_uri,
    )
    return {
        **action,
        "action": "retraining_requested",
        "reasons": reasons,
        "training_run": config.run_name,
        "config_uri": config_uri,
        "training_config": config.model_dump(mode="json"),
    }
