"""Per-group metrics of the challenger and the champion on the holdout (parameters.fairness)."""

import logging
from typing import Annotated

import pandas as pd
from zenml import log_metadata, step

from conveyor.config import Fairness
from conveyor.names import Artifact
from conveyor.platform.registry import get_champion, load_version, stack_tracking_uri
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.fairness import FairnessReport, group_tables, long_table, violations

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def assess_fairness(
    registered: RegisteredVersion, test_set: pd.DataFrame, target: str, task: str, fairness: Fairness | None
) -> tuple[Annotated[FairnessReport, Artifact.FAIRNESS_REPORT], Annotated[pd.DataFrame, Artifact.FAIRNESS_TABLE]]:
    """Fairlearn's MetricFrame per sensitive column for both models (from the registry, as the gate scores them);
    the gate refuses a challenger whose ``violations`` are not empty. Without ``fairness``, an empty report."""
    if fairness is None:
        return FairnessReport(), pd.DataFrame()
    uri = stack_tracking_uri()
    x = test_set.drop(columns=[target])
    challenger = load_version(uri, registered.name, registered.version)
    classes = list(challenger.classes_) if task == "classification" else []
    mine = group_tables(challenger.predict(x), test_set, target, fairness, task, classes)
    theirs = None
    champion = get_champion(uri, registered.name)
    if champion is not None:
        try:
            model = load_version(uri, champion.name, champion.version)
            theirs = group_tables(model.predict(x), test_set, target, fairness, task, classes)
        except Exception as exc:  # noqa: BLE001 - the champion's tables are for comparison; the gate says why
            logger.warning(
                "Fairness: champion version %s could not be scored on this holdout (%s)", champion.version, exc
            )
    report = FairnessReport(
        sensitive=list(fairness.sensitive),
        metrics=list(fairness.metrics),
        challenger=mine,
        champion=theirs,
        violations=violations(mine, fairness),
    )
    gaps = {f"{t.column}.{m}.difference": v for t in mine for m, v in t.difference.items()}
    log_metadata(
        metadata={"violations": len(report.violations), **gaps},
        artifact_name=Artifact.FAIRNESS_REPORT,
        infer_artifact=True,
    )
    logger.info(
        "Fairness of version %s on %s: %s",
        registered.version,
        ", ".join(fairness.sensitive),
        "; ".join(report.violations) if report.violations else "every disparity within its limit",
    )
    return report, long_table(report)
