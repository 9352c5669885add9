"""A drift report page that needs no scripts: what ZenML's dashboard can show.

The dashboard displays HTML artifacts in a sandboxed iframe that runs no JavaScript, so Evidently's
report (drawn by scripts) is blank there. This page carries the same verdicts (one row per column:
method, score, threshold, drifted, missing shares; the model's predictions last, marked as such) and, per
column, a picture of the reference and current distributions (the predictions' first), as plain HTML with
inline PNG images. Evidently's full report stays in the
``drift_report`` artifact and in MLflow for a browser with scripts.
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import numpy as np
import pandas as pd

from conveyor.monitoring.drift import DriftResult

REFERENCE_COLOUR, CURRENT_COLOUR = "#4c72b0", "#dd8452"
MAX_CATEGORIES = 12  # the most frequent categories drawn; the rest are summed as "other"

PAGE_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } p.summary { margin: 0 0 14px; font-size: 14px; }
table { border-collapse: collapse; font-size: 13px; margin-bottom: 18px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { border-radius: 9px; padding: 1px 8px; font-size: 12px; color: #fff; }
.drifted { background: #c0392b; } .stable { background: #27ae60; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #e3e3e3; border-radius: 6px; padding: 6px; }
.chart h2 { font-size: 14px; margin: 2px 4px 4px; }
"""


def png_base64(figure: Any) -> str:
    """A matplotlib figure as base64 PNG, for an inline <img> (pages without scripts)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _numeric_chart(axis: Any, reference: pd.Series, current: pd.Series) -> None:
    ref, cur = reference.dropna().to_numpy(float), current.dropna().to_numpy(float)
    both = np.concatenate([ref, cur])
    if both.size == 0:
        axis.text(0.5, 0.5, "no values", ha="center", va="center")
        return
    edges = np.histogram_bin_edges(both, bins=30)
    for values, colour, label in ((ref, REFERENCE_COLOUR, "reference"), (cur, CURRENT_COLOUR, "current")):
        if values.size:
            axis.hist(values, bins=edges, density=True, alpha=0.55, color=colour, label=label)
    axis.set_ylabel("density")


def _categorical_chart(axis: Any, reference: pd.Series, current: pd.Series) -> None:
    ref = reference.fillna("(missing)").astype(str).value_counts(normalize=True)
    cur = current.fillna("(missing)").astype(str).value_counts(normalize=True)
    shares = pd.DataFrame({"reference": ref, "current": cur}).fillna(0.0)
    shares = shares.sort_values("reference", ascending=False)
    if len(shares) > MAX_CATEGORIES:
        top, rest = shares.iloc[: MAX_CATEGORIES - 1], shares.iloc[MAX_CATEGORIES - 1 :]
        shares = pd.concat([top, pd.DataFrame([rest.sum()], index=["other"])])
    positions = np.arange(len(shares))
    axis.bar(positions - 0.2, shares["reference"], width=0.4, color=REFERENCE_COLOUR, label="reference")
    axis.bar(positions + 0.2, shares["current"], width=0.4, color=CURRENT_COLOUR, label="current")
    axis.set_xticks(positions, [str(label) for label in shares.index], rotation=30, ha="right")
    axis.set_ylabel("share")


def _chart(kind: str, reference: pd.Series, current: pd.Series) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(4.2, 2.6))
    try:
        (_numeric_chart if kind == "numeric" else _categorical_chart)(axis, reference, current)
        axis.legend(fontsize=8, frameon=False, ncol=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))
        axis.tick_params(labelsize=8)
        return png_base64(figure)
    finally:
        plt.close(figure)


def drift_page(result: DriftResult, reference: pd.DataFrame, current: pd.DataFrame, title: str) -> str:
    """The page: a headline, the per-column table, and a chart per column (the predictions, then drifted columns).

    Pass the samples the scores were computed on (``drift.samples``):
    the charts then show what was compared, and a very large window costs no more here than in Evidently.
    """
    drifted = len(result.drifted)
    prediction = result.prediction
    said = "" if prediction is None else f"the predictions {'drifted' if prediction.drifted else 'did not drift'}; "
    headline = (
        f"{drifted} of {len(result.features)} columns drifted (share {result.drift_share:.2f}); {said}"
        f"{result.reference_rows:,} reference rows, {result.current_rows:,} current rows."
    )
    rows = []
    for c in result.columns:
        badge = '<span class="badge drifted">drifted</span>' if c.drifted else '<span class="badge stable">ok</span>'
        rows.append(
            f"<tr><td>{html.escape(c.column)}</td><td>{c.role}</td><td>{c.kind}</td><td>{html.escape(c.method)}</td>"
            f'<td class="num">{c.score:.4f}</td><td class="num">{c.threshold:.4f}</td><td>{badge}</td>'
            f'<td class="num">{c.missing_reference:.1%}</td><td class="num">{c.missing_current:.1%}</td></tr>'
        )
    charts = []
    for c in sorted(result.columns, key=lambda c: (c.role != "prediction", not c.drifted)):
        image = _chart(c.kind, reference[c.column], current[c.column])
        state = "drifted" if c.drifted else "ok"
        role = ", the model's predictions" if c.role == "prediction" else ""
        charts.append(
            f'<div class="chart"><h2>{html.escape(c.column)} ({state}{role}, {html.escape(c.method)} '
            f'{c.score:.3f})</h2><img alt="{html.escape(c.column)}: reference and current distributions" '
            f'src="data:image/png;base64,{image}"></div>'
        )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{PAGE_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f'<p class="summary">{html.escape(headline)}</p>'
        "<table><thead><tr><th>column</th><th>role</th><th>kind</th><th>method</th><th>score</th><th>threshold</th>"
        "<th>verdict</th><th>missing (reference)</th><th>missing (current)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<div class="charts">{"".join(charts)}</div></body></html>'
    )
