"""The client side of the ``retrain`` policy: start the training run that a monitoring run requested.

The monitoring pipeline's ``act_on_drift`` step only decides and prepares (a step cannot start a
pipeline, and on a cluster it runs in a pod without the client's context): its ``monitoring_action``
artifact says ``retraining_requested`` and carries the resolved training config. The client that
launched the monitoring run (``run.py --pipeline monitoring``, and the ``all`` loop) then runs the
training pipeline in its own process, on the same stack, and records the outcome as the monitoring
run's metadata ``retraining``.
"""

from __future__ import annotations

import logging
from typing import Any

from conveyor.config import TrainingConfig
from conveyor.errors import RetrainingError
from conveyor.monitoring.decisions import write_config
from conveyor.names import Artifact
from conveyor.platform.paths import state_dir

logger = logging.getLogger(__name__)

OUTCOME_KEY = "retraining"  # the monitoring run's metadata key


def _record(monitoring_run_id: Any, outcome: dict[str, Any]) -> None:
    from zenml import log_metadata

    log_metadata(metadata={OUTCOME_KEY: outcome}, run_id_name_or_prefix=monitoring_run_id)


def retrain_if_requested(monitoring_run: Any) -> dict[str, Any] | None:
    """Run the training pipeline if ``monitoring_run`` requested it; return the outcome (None: no request).

    The training run runs every step, like ``--no-cache``. Its config (without the run name, which ZenML
    allows once) is also written to ``<state dir>/retraining/<training run>.yaml`` on this machine, so it
    can be repeated by hand with ``python run.py --pipeline training --config <that file>``.
    """
    from zenml.client import Client

    step = Client().get_pipeline_run(monitoring_run.id).steps.get("act_on_drift")
    if step is None or step.status != "completed":
        logger.warning(
            "Monitoring run %s has not finished here (an asynchronous orchestrator?): a retraining it requests is "
            "not started; set the orchestrator's `synchronous: true`",
            monitoring_run.name,
        )
        return None
    action = step.outputs[Artifact.MONITORING_ACTION][0].load()
    if action.get("action") != "retraining_requested":
        return None
    config = TrainingConfig.model_validate(action["training_config"])
    local = state_dir() / "retraining" / f"{config.run_name}.yaml"
    write_config(config.model_copy(update={"run_name": None}), str(local))  # run names are unique
    repeat = f"python run.py --pipeline training --config {local}"
    logger.info(
        "Retraining requested by %s: `%s` (config also at %s)", monitoring_run.name, repeat, action["config_uri"]
    )

    from conveyor.platform.launcher import run_pipeline, step_output

    try:
        training = run_pipeline("training", config, no_cache=True)
    except Exception as exc:
        _record(monitoring_run.id, {"action": "retraining_failed", "training_run": config.run_name, "error": str(exc)})
        raise RetrainingError(f"the retraining run '{config.run_name}' failed: {exc}\n`{repeat}` repeats it") from exc
    promotion = step_output(training, "promote_model", Artifact.PROMOTION)
    outcome = {
        "action": "retrained",
        "training_run": training.name,
        "training_run_id": str(training.id),
        "challenger_version": promotion.version,
        "promoted": promotion.promoted,
        "reason": promotion.reason,
        "config": str(local),
        "config_uri": action["config_uri"],
    }
    _record(monitoring_run.id, outcome)
    logger.info(
        "Retraining run %s: challenger version %s %s (%s)",
        training.name,
        promotion.version,
        "was promoted" if promotion.promoted else "was not promoted",
        promotion.reason,
    )
    return outcome


def retraining_outcome(monitoring_run: Any) -> dict[str, Any] | None:
    """What the retraining that ``monitoring_run`` requested did (its metadata ``retraining``), if any."""
    from zenml.client import Client

    outcome = Client().get_pipeline_run(monitoring_run.id).run_metadata.get(OUTCOME_KEY)
    return dict(outcome) if outcome is not None else None
