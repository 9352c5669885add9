"""Promote the challenger when the gate says so: MLflow alias `champion`, ZenML stage `production`."""

import logging
from typing import Annotated

from zenml import get_step_context, step

from conveyor.names import CHAMPION_ALIAS, PRODUCTION_STAGE, Artifact
from conveyor.platform.registry import set_champion, set_production_stage, stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.gate import GateDecision, Promotion

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def promote_model(decision: GateDecision, registered: RegisteredVersion) -> Annotated[Promotion, Artifact.PROMOTION]:
    """Move the alias only if the champion is still the one the gate compared against."""
    if not decision.promote:
        logger.info("Kept the champion (version %s): %s", decision.champion_version, decision.reason)
        return Promotion(promoted=False, version=registered.version, reason=decision.reason)

    moved = set_champion(
        stack_tracking_uri(), registered.name, registered.version, decision.champion_version,
        # The ZenML model version that registration linked to the MLflow version.
        on_promoted=lambda: set_production_stage(registered.name, registered.zenml_model_version_id),
        kind="promotion", reason=decision.reason, zenml_run=get_step_context().pipeline_run.name,
    )
    if not moved:
        reason = (
            "another run changed the champion after this run's gate compared against version "
            f"{decision.champion_version}; rerun training to gate against the new champion"
        )
        logger.warning("Not promoted: %s", reason)
        return Promotion(promoted=False, version=registered.version, reason=reason)
    logger.info(
        "Promoted %s version %s: MLflow alias '%s', ZenML stage '%s'",
        registered.name, registered.version, CHAMPION_ALIAS, PRODUCTION_STAGE,
    )
    return Promotion(promoted=True, version=registered.version, reason=decision.reason)
