"""Rollback: check the target version -> move the MLflow alias and the ZenML stage back, recorded.

A running service follows through the launcher's ``after`` hook (conveyor.serving.redeploy), because a step
cannot start the deployment pipeline.
"""

from zenml import pipeline

from conveyor.config import ModelSection, RollbackParams
from steps.registry import check_rollback, rollback_champion


@pipeline
def rollback_pipeline(params: RollbackParams, model: ModelSection) -> None:
    """Make ``params.to_version`` (default: the previous champion) the champion of ``model.name`` again."""
    plan = check_rollback(
        model_name=model.name, to_version=params.to_version, reason=params.reason, redeploy=params.redeploy
    )
    rollback_champion(plan=plan)
