"""Score the challenger and the current champion on the same holdout and decide on promotion."""

import logging
from typing import Annotated

import pandas as pd
from zenml import step

from conveyor.config import Gate, Selection
from conveyor.names import Artifact
from conveyor.platform.registry import get_champion, load_version, stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.gate import GateDecision, decide
from conveyor.training.metrics import holdout_metrics

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def gate_model(
    registered: RegisteredVersion,
    test_set: pd.DataFrame,
    target: str,
    selection: Selection,
    gate: Gate,
) -> Annotated[GateDecision, Artifact.GATE_DECISION]:
    """Both models are loaded from the registry, so the decision is about what would really serve."""
    uri = stack_tracking_uri()
    # Each model picks its own columns, so a champion trained on other features is still scored fairly.
    x, y = test_set.drop(columns=[target]), test_set[target]
    challenger = holdout_metrics(load_version(uri, registered.name, registered.version), x, y)
    champion = get_champion(uri, registered.name)
    champion_metrics = None
    if champion is not None:
        try:
            champion_metrics = holdout_metrics(load_version(uri, champion.name, champion.version), x, y)
        except Exception as exc:  # noqa: BLE001 - an unscorable champion is a reason to stop, not to crash
            decision = GateDecision(
                promote=False,
                reason=f"champion version {champion.version} could not be scored on this holdout ({exc}); "
                "move the 'champion' alias by hand if the feature set changed on purpose",
                metric=selection.metric,
                challenger_version=registered.version,
                challenger=challenger,
                champion_version=champion.version,
            )
            logger.warning("Gate: %s", decision.reason)
            return decision
    decision = decide(
        gate,
        selection.metric,
        registered.version,
        challenger,
        champion.version if champion else None,
        champion_metrics,
    )
    logger.info("Gate verdict: %s (%s)", "promote" if decision.promote else "keep the champion", decision.reason)
    return decision
