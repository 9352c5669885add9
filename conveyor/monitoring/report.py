"""What the two drift-report steps share: how to compare, when there is enough data, and the table.

``measure_drift`` runs Evidently (``drift.run_drift``) with ``drift_spec`` when the current window has
``needed_rows``; ``drift_report`` renders what it measured: ``drift_table``, the page without scripts
(``drift_page``) and Evidently's reports (``drift.report_html``), or ``not_enough_data_page`` when
nothing was measured.
"""

from __future__ import annotations

import html

import pandas as pd

from conveyor.config import DriftSettings, MonitoringThresholds
from conveyor.monitoring.drift import DriftResult, DriftSpec

TABLE_COLUMNS = [
    "column",
    "role",
    "kind",
    "method",
    "score",
    "threshold",
    "drifted",
    "missing_reference",
    "missing_current",
]


def drift_spec(drift: DriftSettings, thresholds: MonitoringThresholds, seed: int) -> DriftSpec:
    """The comparison the run config asks for."""
    return DriftSpec(
        drift.num_method,
        drift.cat_method,
        drift.threshold,
        dict(drift.per_column),
        drift.max_rows,
        seed,
        drift_share=thresholds.drift_share,
    )


def needed_rows(thresholds: MonitoringThresholds) -> int:
    """The fewest current rows a drift report is computed on (a distribution needs at least two)."""
    return max(thresholds.min_rows, 2)


def drift_table(result: DriftResult) -> pd.DataFrame:
    """One row per compared column (role ``feature`` or ``prediction``); ZenML's dashboard renders it as a table
    (its HTML viewer runs no scripts)."""
    rows = [{name: getattr(c, name) for name in TABLE_COLUMNS} for c in result.columns]
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def not_enough_data_page(rows: int, needed: int) -> str:
    """The page shown instead of each report when the current window was too small to measure."""
    text = f"Not enough data: {rows} current row(s), the minimum is {needed}. No drift report was computed."
    return f"<html><body><p>{html.escape(text)}</p></body></html>"
