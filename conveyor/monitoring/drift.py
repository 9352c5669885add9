"""The one adapter between Conveyor and Evidently: run the drift and data-summary reports, read them back typed.

Evidently 0.7's result dict gives each column's drift score and the threshold it was compared with, but
no "drifted" flag. This module derives the flag from the score, the threshold and the direction of the
method (a distance drifts when it is large, a p-value when it is small), finds every metric by its type
and column (never by its position in the list), and is the only module that imports Evidently.

Large windows are sampled before Evidently sees them (``sample``): a bounded, seeded sample of each side,
drawn without replacement. Missing-value shares and row counts are computed on the full data, not the
sample. Why a sample of a distance gives the same verdicts: docs/benchmarks.md.

One compared column may be the model's predictions (``run_drift``'s ``prediction``): it is measured like
any other, but its role is ``prediction``, and the drift share counts the feature columns only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from conveyor.errors import DriftReportError

# Evidently's method names, and whether a method returns a distance (drift when score >= threshold)
# or a p-value (drift when score < threshold). Only methods listed here can be configured.
DISTANCE_METHODS: frozenset[str] = frozenset({"wasserstein", "jensenshannon", "psi", "hellinger", "kl_div"})
P_VALUE_METHODS: frozenset[str] = frozenset({"ks", "chisquare", "anderson", "cramer_von_mises", "mannw"})
NUMERIC_METHODS: frozenset[str] = frozenset(DISTANCE_METHODS | {"ks", "anderson", "cramer_von_mises", "mannw"})
CATEGORICAL_METHODS: frozenset[str] = frozenset({"jensenshannon", "psi", "hellinger", "kl_div", "chisquare"})

_VALUE_DRIFT = "evidently:metric_v2:ValueDrift"


@dataclass(frozen=True)
class ColumnDrift:
    """One column's drift: Evidently's score and threshold, the flag derived from them, and the column's role."""

    column: str
    kind: Literal["numeric", "categorical"]
    method: str
    score: float
    threshold: float
    drifted: bool
    missing_reference: float
    missing_current: float
    role: Literal["feature", "prediction"] = "feature"

    @property
    def missing_change(self) -> float:
        return self.missing_current - self.missing_reference


@dataclass(frozen=True)
class DriftResult:
    """Everything the decision needs, typed; rows are of the full data, sampled_* of what Evidently saw.

    ``columns`` are every compared column (the prediction last, if it was compared); ``drifted`` and
    ``drift_share`` are of the feature columns only.
    """

    columns: list[ColumnDrift]
    reference_rows: int
    current_rows: int
    sampled_reference_rows: int
    sampled_current_rows: int

    @property
    def features(self) -> list[ColumnDrift]:
        return [c for c in self.columns if c.role == "feature"]

    @property
    def prediction(self) -> ColumnDrift | None:
        return next((c for c in self.columns if c.role == "prediction"), None)

    @property
    def drifted(self) -> list[ColumnDrift]:
        return [c for c in self.features if c.drifted]

    @property
    def drift_share(self) -> float:
        return len(self.drifted) / len(self.features) if self.features else 0.0

    def to_dict(self) -> dict[str, Any]:
        prediction = self.prediction
        return {
            **asdict(self),
            "drift_share": self.drift_share,
            "drifted_columns": [c.column for c in self.drifted],
            "prediction_drifted": prediction.drifted if prediction is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DriftResult:
        return cls(
            columns=[ColumnDrift(**c) for c in data["columns"]],
            reference_rows=data["reference_rows"],
            current_rows=data["current_rows"],
            sampled_reference_rows=data["sampled_reference_rows"],
            sampled_current_rows=data["sampled_current_rows"],
        )


@dataclass(frozen=True)
class DriftReports:
    """The typed result and the two Evidently reports: their results (``*_json``) and snapshots.

    A snapshot is Evidently's whole report serialized (JSON-safe); ``report_html`` renders it.
    """

    result: DriftResult
    drift_json: dict[str, Any]
    drift_snapshot: dict[str, Any]
    summary_json: dict[str, Any]
    summary_snapshot: dict[str, Any]


@dataclass(frozen=True)
class DriftSpec:
    """How to compare: methods and thresholds per kind, per-column overrides, the sample bound."""

    num_method: str
    cat_method: str
    threshold: float
    per_column: dict[str, float] = field(default_factory=dict)
    max_rows: int | None = None
    seed: int = 0
    drift_share: float = 0.5  # only shown in Evidently's report header; the decision uses the YAML threshold


def is_drift(method: str, score: float, threshold: float) -> bool:
    """Evidently's own rule: a distance drifts at or above the threshold, a p-value below it."""
    if method in DISTANCE_METHODS:
        return score >= threshold
    if method in P_VALUE_METHODS:
        return score < threshold
    raise DriftReportError(f"drift method '{method}' has no known direction; use one of {sorted(DISTANCE_METHODS)}")


def sample(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """At most ``max_rows`` rows, drawn uniformly without replacement with ``seed`` (all rows if fewer)."""
    if max_rows is None or len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)


def samples(
    reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str], spec: DriftSpec
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two samples Evidently compares, typed for it: the same rows every time for the same ``spec``."""
    return (
        _prepare(sample(reference, spec.max_rows, spec.seed), numeric, categorical),
        _prepare(sample(current, spec.max_rows, spec.seed + 1), numeric, categorical),
    )


def _prepare(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in numeric:
        out[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in categorical:
        values = frame[column]
        out[column] = values.where(values.isna(), values.astype(str)).astype(object)
    return out


def _value_drift_scores(report: dict[str, Any]) -> dict[str, tuple[str, float, float]]:
    """column -> (method, score, threshold), from the ValueDrift metrics of a report dict."""
    found: dict[str, tuple[str, float, float]] = {}
    for metric in report.get("metrics", []):
        config = metric.get("config", {})
        if config.get("type") != _VALUE_DRIFT:
            continue
        try:
            found[str(config["column"])] = (str(config["method"]), float(metric["value"]), float(config["threshold"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise DriftReportError(f"unexpected ValueDrift entry in Evidently's result: {metric!r}") from exc
    return found


def run_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    spec: DriftSpec,
    prediction: str | None = None,
) -> DriftReports:
    """Drift and data-summary reports of ``current`` against ``reference`` on the ``numeric`` and ``categorical``
    columns; ``prediction`` names the one of them that holds the model's predictions, if any."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset, DataSummaryPreset

    if prediction is not None and prediction not in (*numeric, *categorical):
        raise DriftReportError(f"the prediction column '{prediction}' is not one of the compared columns")
    columns = [*numeric, *categorical]
    # Sample first, so only the bounded sample is copied and converted; missing shares use every row.
    ref, cur = samples(reference, current, numeric, categorical, spec)
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    ref_ds = Dataset.from_pandas(ref, data_definition=definition)
    cur_ds = Dataset.from_pandas(cur, data_definition=definition)
    drift_report = Report(
        [
            DataDriftPreset(
                columns=columns,
                drift_share=spec.drift_share,
                num_method=spec.num_method,
                cat_method=spec.cat_method,
                threshold=spec.threshold,
                per_column_threshold=dict(spec.per_column) or None,
            )
        ]
    )
    drift = drift_report.run(current_data=cur_ds, reference_data=ref_ds)
    summary = Report([DataSummaryPreset(columns=columns)]).run(current_data=cur_ds, reference_data=ref_ds)
    drift_dict = json.loads(drift.json())
    scores = _value_drift_scores(drift_dict)
    absent = [c for c in columns if c not in scores]
    if absent:
        raise DriftReportError(f"Evidently's result has no drift score for column(s) {absent}")
    result = DriftResult(
        columns=[
            ColumnDrift(
                column=c,
                kind="numeric" if c in numeric else "categorical",
                method=scores[c][0],
                score=scores[c][1],
                threshold=scores[c][2],
                drifted=is_drift(*scores[c]),
                missing_reference=float(reference[c].isna().mean()) if len(reference) else 0.0,
                missing_current=float(current[c].isna().mean()) if len(current) else 0.0,
                role="prediction" if c == prediction else "feature",
            )
            for c in sorted(columns, key=lambda c: c == prediction)
        ],
        reference_rows=len(reference),
        current_rows=len(current),
        sampled_reference_rows=len(ref),
        sampled_current_rows=len(cur),
    )
    return DriftReports(
        result=result,
        drift_json=drift_dict,
        drift_snapshot=json.loads(drift.dumps()),
        summary_json=json.loads(summary.json()),
        summary_snapshot=json.loads(summary.dumps()),
    )


def report_html(snapshot: dict[str, Any]) -> str:
    """Evidently's interactive HTML report (drawn by scripts) of a snapshot from ``run_drift``."""
    from evidently import Run  # what Report.run returns: evidently.core.report.Snapshot

    return str(Run.load_dict(snapshot).get_html_str(as_iframe=False))
