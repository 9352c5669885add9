"""Measure drift: Evidently's drift and data-summary reports of the current data against the reference.

The compared columns are the model's features and its predictions (``reference_info.prediction``).
"""

import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step

from conveyor.config import DriftSettings, MonitoringThresholds
from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.drift import DriftResult, run_drift
from conveyor.monitoring.report import drift_spec, needed_rows
from conveyor.names import Artifact, MlflowTag

logger = logging.getLogger(__name__)


@step(enable_cache=False, experiment_tracker=True)
def measure_drift(
    reference_set: pd.DataFrame,
    current_set: pd.DataFrame,
    reference_info: ReferenceInfo,
    drift: DriftSettings,
    thresholds: MonitoringThresholds,
    seed: int,
) -> tuple[
    Annotated[dict[str, Any], Artifact.DRIFT_RESULT],
    Annotated[dict[str, Any], Artifact.DRIFT_REPORT_JSON],
    Annotated[dict[str, Any], Artifact.DATA_SUMMARY_JSON],
    Annotated[dict[str, Any], Artifact.DRIFT_SNAPSHOT],
    Annotated[dict[str, Any], Artifact.DATA_SUMMARY_SNAPSHOT],
]:
    """The typed per-column result and Evidently's results, in the dashboard and in MLflow.

    The snapshots are Evidently's whole reports, from which ``drift_report`` renders the HTML; all four
    report outputs are empty when the current window is too small to measure.
    """
    mlflow.set_tags({MlflowTag.MODEL: reference_info.model, MlflowTag.MODEL_VERSION: reference_info.version})
    needed = needed_rows(thresholds)
    if len(current_set) < needed:
        result = DriftResult([], len(reference_set), len(current_set), 0, 0)
        mlflow.log_metrics({"current_rows": len(current_set)})
        logger.warning("Not enough current data for a drift report: %d row(s), need %d", len(current_set), needed)
        return result.to_dict(), {}, {}, {}, {}
    spec = drift_spec(drift, thresholds, seed)
    numeric, categorical = reference_info.compared()
    reports = run_drift(reference_set, current_set, numeric, categorical, spec, prediction=reference_info.prediction)
    result = reports.result
    prediction = result.prediction
    mlflow.log_metrics(
        {
            "drift_share": result.drift_share,
            "drifted_columns": len(result.drifted),
            **({"prediction_drifted": float(prediction.drifted)} if prediction is not None else {}),
            "current_rows": result.current_rows,
            "reference_rows": result.reference_rows,
            **{f"drift_score.{c.column}": c.score for c in result.columns},
        }
    )
    mlflow.log_dict(reports.drift_json, "monitoring/drift_report.json")
    mlflow.log_dict(reports.summary_json, "monitoring/data_summary.json")
    logger.info(
        "Drift report: %d of %d feature columns drifted (%s), the predictions %s, on %d current rows",
        len(result.drifted),
        len(result.features),
        ", ".join(c.column for c in result.drifted) or "none",
        "drifted" if prediction is not None and prediction.drifted else "did not drift",
        result.current_rows,
    )
    return result.to_dict(), reports.drift_json, reports.summary_json, reports.drift_snapshot, reports.summary_snapshot
