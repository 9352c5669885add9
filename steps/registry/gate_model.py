"""Score the challenger, the trivial baseline and the current champion, and decide on promotion."""

import logging
import time
from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from conveyor.config import Gate, Selection
from conveyor.names import Artifact
from conveyor.platform.registry import get_champion, load_version, stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.bootstrap import answers_of
from conveyor.training.champion_holdout import champion_holdout
from conveyor.training.fairness import FairnessReport
from conveyor.training.gate import GateDecision, decide_with_confidence, with_fairness
from conveyor.training.gate_evidence import (
    BASELINE,
    CHALLENGER,
    CHAMPION,
    baseline_for,
    describe,
    score_holdout,
    weigh,
)

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def gate_model(
    registered: RegisteredVersion,
    train_set: pd.DataFrame,
    test_set: pd.DataFrame,
    target: str,
    task: str,
    selection: Selection,
    gate: Gate,
    seed: int,
    fairness_report: FairnessReport,
) -> Annotated[GateDecision, Artifact.GATE_DECISION]:
    """Both models are loaded from the registry, so the decision is about what would really serve.

    Each model picks its own columns from the holdout, so a champion trained on other features is still
    scored fairly; the baseline is fitted on this split's train set.
    """
    uri = stack_tracking_uri()
    challenger = load_version(uri, registered.name, registered.version)
    classes = list(challenger.classes_) if task == "classification" else None
    baseline = baseline_for(train_set, target, task, selection.metric, seed)
    scored = score_holdout(test_set, target, classes, {CHALLENGER: challenger, BASELINE: baseline})
    champion = get_champion(uri, registered.name)
    old, warnings = None, []
    if champion is not None:
        try:
            champion_model = load_version(uri, champion.name, champion.version)
            scored = scored.with_answers(CHAMPION, answers_of(champion_model, test_set.drop(columns=[target]), classes))
        except Exception as exc:  # noqa: BLE001 - an unscorable champion is a reason to stop, not to crash
            decision = GateDecision(
                promote=False,
                reason=f"champion version {champion.version} could not be scored on this holdout ({exc}); "
                "move the 'champion' alias by hand if the feature set changed on purpose",
                metric=selection.metric,
                challenger_version=registered.version,
                challenger=scored.metrics(CHALLENGER),
                champion_version=champion.version,
            )
            logger.warning("Gate: %s", decision.reason)
            return decision
        models = {CHALLENGER: challenger, CHAMPION: champion_model}
        old, warnings = champion_holdout(champion, test_set, target, classes, models)
    started = time.perf_counter()
    evidence = weigh(selection.metric, gate, seed, scored, describe(baseline), old, warnings)
    log_metadata(metadata={"bootstrap_seconds": round(time.perf_counter() - started, 3)})
    decision = decide_with_confidence(
        gate, selection.metric, registered.version, champion.version if champion else None, evidence
    )
    decision = with_fairness(decision, fairness_report)  # a broken disparity limit keeps the challenger out
    logger.info("Gate verdict: %s (%s)", "promote" if decision.promote else "keep the champion", decision.reason)
    return decision
