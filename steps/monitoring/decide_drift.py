"""Turn the drift result into a typed verdict against the thresholds of the run config."""

import logging
from typing import Annotated, Any

from zenml import log_metadata, step

from conveyor.config import MonitoringThresholds
from conveyor.monitoring.decisions import decide
from conveyor.monitoring.drift import DriftResult
from conveyor.names import Artifact

logger = logging.getLogger(__name__)


@step(enable_cache=False)
def decide_drift(
    drift_result: dict[str, Any], thresholds: MonitoringThresholds
) -> Annotated[dict[str, Any], Artifact.DRIFT_DECISION]:
    """ok, drift or not_enough_data, with the share and names of drifted feature columns, the predictions' own
    verdict, and every breached threshold."""
    decision = decide(DriftResult.from_dict(drift_result), thresholds)
    metadata: dict[str, Any] = {
        "status": decision.status,
        "drift_share": decision.drift_share or 0.0,
        "drifted_columns": decision.drifted_columns,
        "current_rows": decision.current_rows,
    }
    if decision.prediction_drifted is not None:
        metadata["prediction_drifted"] = decision.prediction_drifted
    log_metadata(metadata=metadata, artifact_name=Artifact.DRIFT_DECISION, infer_artifact=True)
    logger.info(
        "Monitoring verdict: %s%s",
        decision.status,
        "".join(f"\n  - {r}" for r in decision.reasons) + "".join(f"\n  (note) {n}" for n in decision.notes),
    )
    return decision.to_dict()
