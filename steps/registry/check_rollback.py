"""Check a rollback before anything moves: the model, the target version (default: the previous champion), its run."""

import logging
from typing import Annotated

from zenml import step

from conveyor.config import DeploymentConfig, Stage, load_run_config
from conveyor.names import Artifact
from conveyor.platform.paths import project_root
from conveyor.platform.registry import stack_tracking_uri
from conveyor.platform.rollback import RollbackPlan, plan_rollback

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def check_rollback(
    model_name: str, to_version: int | None, reason: str | None, redeploy: Stage
) -> Annotated[RollbackPlan, Artifact.ROLLBACK_PLAN]:
    """Fails, saying what to do instead, on an unknown model or version, the current champion, no previous one.

    The deployment config a running service would be redeployed with is validated here too, before anything moves.
    """
    overrides = [f"model.name={model_name}", *redeploy.overrides]
    load_run_config(project_root() / redeploy.config, DeploymentConfig, overrides)
    plan = plan_rollback(stack_tracking_uri(), model_name, to_version, reason)
    logger.info(
        "Rollback of %s checked: champion version %s -> version %s (%s)",
        plan.model_name, plan.from_version, plan.to_version, plan.reason,
    )
    return plan
