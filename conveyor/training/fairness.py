"""Fairness on the holdout: per-group metrics with Fairlearn's ``MetricFrame``, and the disparity limits.

For each sensitive column of ``parameters.fairness``, the holdout rows are grouped by the column's values
(as text; a missing value is the group ``(missing)``), and every configured metric is computed per group.
A disparity is the largest gap between two groups (``difference``) or the smallest ratio of one group's
value to another's (``ratio``), over the groups with at least ``min_group_rows`` holdout rows; smaller
groups are shown but held to no limit, as a metric on a handful of rows says little. ``violations`` names
the column, the metric and the two groups of every broken limit: the gate refuses such a challenger.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from conveyor.config import Fairness
from conveyor.errors import DataValidationError

MISSING_GROUP = "(missing)"
BINARY_ONLY = frozenset({"selection_rate", "false_positive_rate", "false_negative_rate"})


class GroupTable(BaseModel):
    """One sensitive column: each group's rows and metrics, and the disparities between eligible groups."""

    model_config = ConfigDict(frozen=True)

    column: str
    groups: list[dict[str, Any]]  # {"group": ..., "rows": n, "<metric>": value, ...}
    difference: dict[str, float]  # metric -> largest gap between eligible groups
    ratio: dict[str, float]  # metric -> smallest ratio between eligible groups
    eligible: list[str]  # the groups held to the limits (at least min_group_rows rows)


class FairnessReport(BaseModel):
    """Per-group tables of the challenger and of the champion (on the same holdout), and what broke a limit."""

    model_config = ConfigDict(frozen=True)

    sensitive: list[str] = []  # empty: parameters.fairness is not set, nothing was assessed
    metrics: list[str] = []
    challenger: list[GroupTable] = []
    champion: list[GroupTable] | None = None
    violations: list[str] = []  # the challenger's broken limits, each naming column, metric and groups


def metric_functions(metrics: list[str], task: str, classes: list[Any]) -> dict[str, Callable[..., float]]:
    """scikit-learn's and Fairlearn's metric functions for ``metrics`` (positive class: ``classes[1]``)."""
    from fairlearn import metrics as flm
    from sklearn import metrics as skm

    if task == "regression":
        table: dict[str, Callable[..., float]] = {
            "mae": skm.mean_absolute_error,
            "rmse": skm.root_mean_squared_error,
        }
        return {m: table[m] for m in metrics}
    binary = len(classes) == 2
    wrong = sorted(set(metrics) & BINARY_ONLY) if not binary else []
    if wrong:
        raise DataValidationError(
            [f"fairness.metrics: {wrong} need a binary target; this one has {len(classes)} classes"]
        )
    average = {"pos_label": classes[1]} if binary else {"average": "macro"}
    table = {
        "accuracy": skm.accuracy_score,
        "recall": partial(skm.recall_score, zero_division=0, **average),
        "precision": partial(skm.precision_score, zero_division=0, **average),
        "f1": partial(skm.f1_score, zero_division=0, **average),
    }
    if binary:
        table |= {
            "selection_rate": partial(flm.selection_rate, pos_label=classes[1]),
            "false_positive_rate": partial(flm.false_positive_rate, pos_label=classes[1]),
            "false_negative_rate": partial(flm.false_negative_rate, pos_label=classes[1]),
        }
    return {m: table[m] for m in metrics}


def missing_columns(frame: pd.DataFrame, fairness: Fairness | None) -> list[str]:
    """The sensitive columns that ``frame`` lacks (a sensitive column need not be a model feature)."""
    return [c for c in (fairness.sensitive if fairness else []) if c not in frame.columns]


def _groups(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), MISSING_GROUP).astype(str)


def group_tables(
    predicted: Any, frame: pd.DataFrame, target: str, fairness: Fairness, task: str, classes: list[Any]
) -> list[GroupTable]:
    """Per-group metrics of ``predicted`` (one prediction per row of ``frame``) for every sensitive column."""
    from fairlearn.metrics import MetricFrame

    functions = metric_functions(list(fairness.metrics), task, classes)
    y, predicted = frame[target].reset_index(drop=True), pd.Series(predicted).reset_index(drop=True)
    tables = []
    for column in fairness.sensitive:
        groups = _groups(frame[column].reset_index(drop=True))
        counts = groups.value_counts()
        everyone = MetricFrame(metrics=functions, y_true=y, y_pred=predicted, sensitive_features=groups)
        by_group = everyone.by_group
        eligible = sorted(str(g) for g, n in counts.items() if n >= fairness.min_group_rows)
        difference: dict[str, float] = {}
        ratio: dict[str, float] = {}
        if len(eligible) >= 2:
            keep = groups.isin(eligible).to_numpy()
            held = MetricFrame(
                metrics=functions, y_true=y[keep], y_pred=predicted[keep], sensitive_features=groups[keep]
            )
            difference = {m: round(float(v), 6) for m, v in held.difference().items()}
            ratio = {m: round(float(v), 6) for m, v in held.ratio().items()}
        rows = [
            {
                "group": str(group),
                "rows": int(counts[group]),
                **{m: round(float(by_group.loc[group, m]), 6) for m in functions},
            }
            for group in by_group.index
        ]
        tables.append(GroupTable(column=column, groups=rows, difference=difference, ratio=ratio, eligible=eligible))
    return tables


def _extremes(table: GroupTable, metric: str) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = [r for r in table.groups if r["group"] in table.eligible]
    return min(rows, key=lambda r: r[metric]), max(rows, key=lambda r: r[metric])


def violations(tables: list[GroupTable], fairness: Fairness) -> list[str]:
    """Every broken ``max_disparity`` limit, naming the column, the metric and the two groups."""
    found = []
    for table in tables:
        for metric, limit in fairness.max_disparity.items():
            if metric not in table.difference:
                continue
            low, high = _extremes(table, metric)
            pair = f"group '{low['group']}' {low[metric]:.3f} vs group '{high['group']}' {high[metric]:.3f}"
            if limit.difference is not None and table.difference[metric] > limit.difference:
                found.append(
                    f"{table.column}: {metric} differs by {table.difference[metric]:.3f} between groups ({pair}), "
                    f"more than max_disparity.{metric}.difference {limit.difference}"
                )
            if limit.ratio is not None and table.ratio[metric] < limit.ratio:
                found.append(
                    f"{table.column}: {metric} ratio {table.ratio[metric]:.3f} between groups ({pair}) is below "
                    f"max_disparity.{metric}.ratio {limit.ratio}"
                )
    return found


def long_table(report: FairnessReport) -> pd.DataFrame:
    """Both models' per-group metrics as one table (the dashboard shows it): model, column, group, rows, metrics."""
    rows = [
        {"model": who, "column": table.column, **group}
        for who, tables in (("challenger", report.challenger), ("champion", report.champion or []))
        for table in tables
        for group in table.groups
    ]
    return pd.DataFrame(rows)


def markdown(report: FairnessReport) -> str:
    """The fairness section of the model card: per column, each group's metrics for challenger and champion."""
    lines = []
    for who, tables in (("This model", report.challenger), ("The champion it was compared with", report.champion)):
        if not tables:
            continue
        lines.append(f"**{who}** (holdout):\n")
        for table in tables:
            head = ["group", "rows", *report.metrics]
            lines.append(f"*{table.column}*\n")
            lines.append("| " + " | ".join(head) + " |")
            lines.append("|" + "---|" * len(head))
            for row in table.groups:
                cells = [str(row["group"]), str(row["rows"]), *(f"{row[m]:.4f}" for m in report.metrics)]
                lines.append("| " + " | ".join(cells) + " |")
            gaps = ", ".join(f"{m} difference {v:.3f}, ratio {table.ratio[m]:.3f}" for m, v in table.difference.items())
            lines.append(f"\nBetween groups with enough rows ({', '.join(table.eligible)}): {gaps or 'not computed'}\n")
    lines.append("Broken limits: " + ("; ".join(report.violations) if report.violations else "none"))
    return "\n".join(lines)
