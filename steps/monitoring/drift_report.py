"""Evidently drift and data-summary reports of the current data against the reference, on the model's columns."""

import html
import logging
from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step
from zenml.types import HTMLString

from conveyor.config import DriftSettings, MonitoringThresholds
from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.drift import DriftResult, DriftSpec, run_drift
from conveyor.monitoring.drift_page import drift_page
from conveyor.names import Artifact, MlflowTag

logger = logging.getLogger(__name__)


def _table(result: DriftResult) -> pd.DataFrame:
    """One row per column; ZenML's dashboard renders it as a table (its HTML viewer runs no scripts)."""
    columns = ["column", "kind", "method", "score", "threshold", "drifted", "missing_reference", "missing_current"]
    rows = [{name: getattr(c, name) for name in columns} for c in result.columns]
    return pd.DataFrame(rows, columns=columns)


def _too_few(rows: int, needed: int) -> HTMLString:
    text = f"Not enough data: {rows} current row(s), the minimum is {needed}. No drift report was computed."
    return HTMLString(f"<html><body><p>{html.escape(text)}</p></body></html>")


@step(enable_cache=False, experiment_tracker=True)
def drift_report(
    reference_set: pd.DataFrame,
    current_set: pd.DataFrame,
    reference_info: ReferenceInfo,
    drift: DriftSettings,
    thresholds: MonitoringThresholds,
    seed: int,
) -> tuple[
    Annotated[dict[str, Any], Artifact.DRIFT_RESULT],
    Annotated[pd.DataFrame, Artifact.DRIFT_TABLE],
    Annotated[HTMLString, Artifact.DRIFT_PAGE],
    Annotated[HTMLString, Artifact.DRIFT_REPORT],
    Annotated[dict[str, Any], Artifact.DRIFT_REPORT_JSON],
    Annotated[HTMLString, Artifact.DATA_SUMMARY],
    Annotated[dict[str, Any], Artifact.DATA_SUMMARY_JSON],
]:
    """HTML and JSON artifacts for the dashboard, the same files in MLflow, and the typed per-column result.

    ``drift_page`` is the report the dashboard can show (its HTML viewer runs no scripts); ``drift_report``
    is Evidently's interactive report, for a browser (download it, or open it from MLflow).
    """
    numeric, categorical = reference_info.numeric, reference_info.categorical
    needed = max(thresholds.min_rows, 2)
    mlflow.set_tags({MlflowTag.MODEL: reference_info.model, MlflowTag.MODEL_VERSION: reference_info.version})
    if len(current_set) < needed:
        result = DriftResult([], len(reference_set), len(current_set), 0, 0)
        empty = _too_few(len(current_set), needed)
        mlflow.log_metrics({"current_rows": len(current_set)})
        logger.warning("Not enough current data for a drift report: %d row(s), need %d", len(current_set), needed)
        return result.to_dict(), _table(result), empty, empty, {}, empty, {}
    spec = DriftSpec(
        drift.num_method,
        drift.cat_method,
        drift.threshold,
        dict(drift.per_column),
        drift.max_rows,
        seed,
        drift_share=thresholds.drift_share,
    )
    reports = run_drift(reference_set, current_set, numeric, categorical, spec)
    result = reports.result
    mlflow.log_metrics(
        {
            "drift_share": result.drift_share,
            "drifted_columns": len(result.drifted),
            "current_rows": result.current_rows,
            "reference_rows": result.reference_rows,
            **{f"drift_score.{c.column}": c.score for c in result.columns},
        }
    )
    title = f"Drift of {reference_info.model} version {reference_info.version}'s features"
    page = drift_page(result, reports.reference_sample, reports.current_sample, title)
    mlflow.log_text(page, "monitoring/drift_page.html")
    mlflow.log_text(reports.drift_html, "monitoring/drift_report.html")
    mlflow.log_dict(reports.drift_json, "monitoring/drift_report.json")
    mlflow.log_text(reports.summary_html, "monitoring/data_summary.html")
    mlflow.log_dict(reports.summary_json, "monitoring/data_summary.json")
    logger.info(
        "Drift report: %d of %d columns drifted (%s) on %d current rows",
        len(result.drifted),
        len(result.columns),
        ", ".join(c.column for c in result.drifted) or "none",
        result.current_rows,
    )
    return (
        result.to_dict(),
        _table(result),
        HTMLString(page),
        HTMLString(reports.drift_html),
        reports.drift_json,
        HTMLString(reports.summary_html),
        reports.summary_json,
    )
