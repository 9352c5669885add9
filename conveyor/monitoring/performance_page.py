"""The performance page (HTML without scripts, what ZenML's dashboard shows) and Evidently's performance report.

The page carries the verdict, the live metrics beside the holdout's, how the labels met the window, the
checked metric over time (consecutive chunks of the labelled rows), and a calibration chart for a classifier
(a predicted-against-actual chart for a regressor), as plain HTML with inline PNG images. Evidently's
classification or regression report (drawn by scripts) is the ``performance_report`` artifact, for a browser.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from conveyor.monitoring.drift_page import CURRENT_COLOUR, PAGE_STYLE, REFERENCE_COLOUR, png_base64
from conveyor.monitoring.ground_truth import LABEL, PROBA
from conveyor.monitoring.performance import PerformanceDecision

_BADGE = {"ok": "stable", "degraded": "drifted", "not_enough_labels": "neutral"}
_EXTRA_STYLE = ".neutral { background: #7f8c8d; } ul.reasons { font-size: 14px; }"


def _figure(width: float = 4.6, height: float = 3.0) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def _chart(figure: Any, title: str) -> str:
    import matplotlib.pyplot as plt

    data = png_base64(figure)
    plt.close(figure)
    return f'<div class="chart"><h2>{html.escape(title)}</h2><img src="data:image/png;base64,{data}"></div>'


def _over_time_chart(decision: PerformanceDecision) -> str | None:
    if not decision.over_time:
        return None
    metric = decision.checked[0]
    figure, axis = _figure()
    values = [w.value for w in decision.over_time]
    axis.plot(range(1, len(values) + 1), values, marker="o", color=CURRENT_COLOUR, label="live")
    if metric in decision.holdout:
        axis.axhline(decision.holdout[metric], color=REFERENCE_COLOUR, linestyle="--", label="holdout")
    axis.set_xlabel(f"chunk of labelled rows, oldest first (~{decision.over_time[0].rows} rows each)")
    axis.set_ylabel(metric)
    axis.legend(fontsize=8)
    return _chart(figure, f"{metric} over time")


def _calibration_chart(decision: PerformanceDecision) -> str | None:
    if not decision.calibration:
        return None
    figure, axis = _figure(4.0, 3.6)
    axis.plot([0, 1], [0, 1], color="#999", linestyle=":", label="perfectly calibrated")
    axis.plot(
        [b.mean_predicted for b in decision.calibration],
        [b.observed_rate for b in decision.calibration],
        marker="o",
        color=CURRENT_COLOUR,
        label="live",
    )
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel(f"mean predicted probability ({decision.calibration_of})")
    axis.set_ylabel("observed rate")
    axis.legend(fontsize=8)
    return _chart(figure, "Calibration")


def _predicted_vs_actual_chart(labelled: pd.DataFrame) -> str | None:
    if not len(labelled):
        return None
    figure, axis = _figure(4.0, 3.6)
    truth, predicted = labelled[LABEL].astype(float), labelled["_prediction"].astype(float)
    axis.scatter(truth, predicted, s=8, alpha=0.5, color=CURRENT_COLOUR)
    low, high = float(min(truth.min(), predicted.min())), float(max(truth.max(), predicted.max()))
    axis.plot([low, high], [low, high], color="#999", linestyle=":")
    axis.set_xlabel("label")
    axis.set_ylabel("prediction")
    return _chart(figure, "Predicted against actual")


def _metrics_table(decision: PerformanceDecision) -> str:
    rows = []
    for metric in sorted(set(decision.metrics) | set(decision.holdout)):
        live, holdout = decision.metrics.get(metric), decision.holdout.get(metric)
        cells = [f"{v:.4f}" if v is not None else "" for v in (live, holdout)]
        checked = "checked" if metric in decision.checked else ""
        rows.append(
            f"<tr><td>{html.escape(metric)}</td><td class='num'>{cells[0]}</td><td class='num'>{cells[1]}</td>"
            f"<td>{checked}</td></tr>"
        )
    head = "<tr><th>metric</th><th>live</th><th>holdout</th><th></th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def performance_page(decision: PerformanceDecision, labelled: pd.DataFrame) -> str:
    """The page for the dashboard: verdict, metrics, label counts and charts."""
    s = decision.labels
    badge = f"<span class='badge {_BADGE[decision.status]}'>{html.escape(decision.status)}</span>"
    summary = (
        f"{badge} {decision.model} version {decision.version} on {decision.labelled_rows} labelled rows "
        f"(minimum {decision.min_labelled_rows}); window {s.window_rows} records, {s.labels_read} label records "
        f"read, {s.duplicates} duplicate(s), {s.unmatched} unmatched, {s.other_versions} of other versions"
    )
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in [*decision.reasons, *decision.notes])
    charts = [
        _over_time_chart(decision),
        _calibration_chart(decision)
        if decision.task == "classification"
        else _predicted_vs_actual_chart(labelled),
    ]
    return (
        f"<html><head><meta charset='utf-8'><style>{PAGE_STYLE}{_EXTRA_STYLE}</style></head><body>"
        f"<h1>Live performance of {html.escape(decision.model)} version {html.escape(decision.version)}</h1>"
        f"<p class='summary'>{summary}</p><ul class='reasons'>{reasons}</ul>"
        f"{_metrics_table(decision) if decision.metrics else ''}"
        f"<div class='charts'>{''.join(c for c in charts if c)}</div></body></html>"
    )


def evidently_report_html(labelled: pd.DataFrame, task: str, classes: list[str]) -> str:
    """Evidently's classification or regression report of the labelled rows (an interactive page)."""
    from evidently import (
        BinaryClassification,
        DataDefinition,
        Dataset,
        MulticlassClassification,
        Regression,
        Report,
    )
    from evidently.presets import ClassificationPreset, RegressionPreset

    if task == "regression":
        frame = pd.DataFrame(
            {"target": labelled[LABEL].astype(float), "prediction": labelled["_prediction"].astype(float)}
        )
        definition = DataDefinition(
            regression=[Regression(target="target", prediction="prediction")],
            numerical_columns=["target", "prediction"],
        )
        preset: Any = RegressionPreset()
    else:
        frame = pd.DataFrame({"target": labelled[LABEL].astype(str), "prediction": labelled["_prediction"].astype(str)})
        probas = [f"proba {cls}" for cls in classes]
        for cls, column in zip(classes, probas, strict=True):
            frame[column] = labelled[PROBA + cls].astype(float).to_numpy()
        kind: Any = (
            BinaryClassification(
                target="target", prediction_labels="prediction", prediction_probas=probas[1], pos_label=classes[1]
            )
            if len(classes) == 2
            else MulticlassClassification(
                target="target",
                prediction_labels="prediction",
                prediction_probas=probas,
                labels={cls: cls for cls in classes},
            )
        )
        definition = DataDefinition(
            classification=[kind], categorical_columns=["target", "prediction"], numerical_columns=probas
        )
        preset = ClassificationPreset()
    snapshot = Report([preset]).run(Dataset.from_pandas(frame, data_definition=definition), None)
    return str(snapshot.get_html_str(as_iframe=False))
