"""Render the measured drift: the per-column table, the page the dashboard shows, and Evidently's reports."""

from typing import Annotated, Any

import mlflow
import pandas as pd
from zenml import step
from zenml.types import HTMLString

from conveyor.config import DriftSettings, MonitoringThresholds
from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.drift import DriftResult, report_html, samples
from conveyor.monitoring.drift_page import drift_page
from conveyor.monitoring.report import drift_spec, drift_table, needed_rows, not_enough_data_page
from conveyor.names import Artifact


@step(enable_cache=False, experiment_tracker=True)
def drift_report(
    reference_set: pd.DataFrame,
    current_set: pd.DataFrame,
    drift_result: dict[str, Any],
    drift_snapshot: dict[str, Any],
    data_summary_snapshot: dict[str, Any],
    reference_info: ReferenceInfo,
    drift: DriftSettings,
    thresholds: MonitoringThresholds,
    seed: int,
) -> tuple[
    Annotated[pd.DataFrame, Artifact.DRIFT_TABLE],
    Annotated[HTMLString, Artifact.DRIFT_PAGE],
    Annotated[HTMLString, Artifact.DRIFT_REPORT],
    Annotated[HTMLString, Artifact.DATA_SUMMARY],
]:
    """HTML artifacts for the dashboard and the same files in MLflow.

    ``drift_page`` is the report the dashboard can show (its HTML viewer runs no scripts); ``drift_report``
    is Evidently's interactive report, for a browser (download it, or open it from MLflow).
    """
    result = DriftResult.from_dict(drift_result)
    if not drift_snapshot:  # the window was too small to measure
        empty = HTMLString(not_enough_data_page(result.current_rows, needed_rows(thresholds)))
        return drift_table(result), empty, empty, empty
    numeric, categorical = reference_info.compared()
    reference, current = samples(reference_set, current_set, numeric, categorical, drift_spec(drift, thresholds, seed))
    title = f"Drift of {reference_info.model} version {reference_info.version}'s features and predictions"
    page = drift_page(result, reference, current, title)
    drift_html, summary_html = report_html(drift_snapshot), report_html(data_summary_snapshot)
    mlflow.log_text(page, "monitoring/drift_page.html")
    mlflow.log_text(drift_html, "monitoring/drift_report.html")
    mlflow.log_text(summary_html, "monitoring/data_summary.html")
    return drift_table(result), HTMLString(page), HTMLString(drift_html), HTMLString(summary_html)
