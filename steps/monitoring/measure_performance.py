"""The champion's live metrics on the labelled rows, and the typed performance verdict."""

import logging
from typing import Annotated

import mlflow
import pandas as pd
from zenml import log_metadata, step

from conveyor.config import PerformanceThresholds
from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.ground_truth import LabelStats
from conveyor.monitoring.performance import PerformanceDecision, decide_performance
from conveyor.names import Artifact
from conveyor.platform.registry import stack_tracking_uri, version_metrics

logger = logging.getLogger(__name__)


@step(enable_cache=False, experiment_tracker=True)
def measure_performance(
    labelled_set: pd.DataFrame,
    label_stats: LabelStats,
    reference_info: ReferenceInfo,
    performance: PerformanceThresholds,
) -> Annotated[PerformanceDecision, Artifact.PERFORMANCE_DECISION]:
    """ok, degraded or not_enough_labels, with the live and holdout metrics and calibration."""
    holdout = version_metrics(stack_tracking_uri(), reference_info.model, reference_info.version)
    decision = decide_performance(
        labelled_set,
        label_stats,
        model=reference_info.model,
        version=reference_info.version,
        task=reference_info.task,
        classes=[str(c) for c in reference_info.feature_schema.get("classes") or []],
        holdout=holdout,
        thresholds=performance,
    )
    if decision.metrics:
        mlflow.log_metrics({f"live_{name}": value for name, value in decision.metrics.items()})
    mlflow.log_metric("labelled_rows", decision.labelled_rows)
    metadata = {"status": decision.status, "labelled_rows": decision.labelled_rows, **decision.metrics}
    log_metadata(metadata=metadata, artifact_name=Artifact.PERFORMANCE_DECISION, infer_artifact=True)
    logger.info(
        "%s%s",
        decision.summary(),
        "".join(f"\n  - {r}" for r in decision.reasons) + "".join(f"\n  (note) {n}" for n in decision.notes),
    )
    return decision
