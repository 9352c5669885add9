"""Render the live performance: the page the dashboard shows and Evidently's classification/regression report."""

import html
from typing import Annotated

import mlflow
import pandas as pd
from zenml import step
from zenml.types import HTMLString

from conveyor.monitoring.data import ReferenceInfo
from conveyor.monitoring.performance import PerformanceDecision
from conveyor.monitoring.performance_page import evidently_report_html, performance_page
from conveyor.names import Artifact


@step(enable_cache=False, experiment_tracker=True)
def performance_report(
    labelled_set: pd.DataFrame, performance_decision: PerformanceDecision, reference_info: ReferenceInfo
) -> tuple[Annotated[HTMLString, Artifact.PERFORMANCE_PAGE], Annotated[HTMLString, Artifact.PERFORMANCE_REPORT]]:
    """HTML artifacts for the dashboard, and the same files in MLflow.

    ``performance_page`` needs no scripts (the dashboard's viewer runs none); ``performance_report`` is
    Evidently's interactive report of the labelled rows, for a browser. Without enough labels, the report is
    a page that says so.
    """
    decision = performance_decision
    page = performance_page(decision, labelled_set)
    if decision.status == "not_enough_labels":
        reason = html.escape(decision.reasons[0])
        report = f"<html><body><p>{reason}: no performance report was computed.</p></body></html>"
    else:
        classes = [str(c) for c in reference_info.feature_schema.get("classes") or []]
        report = evidently_report_html(labelled_set, decision.task, classes)
    mlflow.log_text(page, "monitoring/performance_page.html")
    mlflow.log_text(report, "monitoring/performance_report.html")
    return HTMLString(page), HTMLString(report)
