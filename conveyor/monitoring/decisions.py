"""The monitoring decision: does the current data still look like the champion's training data?

``decide`` turns a typed drift result and the thresholds of the run config into a typed verdict with
one of three states: ``ok``, ``drift`` (a threshold is breached) or ``not_enough_data`` (too few current
rows to say either). ``retraining_config`` builds the training run that the ``retrain`` policy requests.

The drift of the model's predictions is reported apart from the features: ``drift_share``, ``drifted_columns``
and the missing-value rule are about the feature columns only, and ``prediction`` holds the predictions'
own verdict. Drifted predictions are a breach of their own (a reason) when ``thresholds.prediction_drift``
is true, and otherwise a note.

A step only decides and prepares: it cannot start a pipeline (ZenML refuses, and on a cluster the step's
pod has no client context), so the ``act_on_drift`` step writes the config where every process of the
stack can read it and returns the request; the client that launched the monitoring run starts the
training run (``conveyor.monitoring.retraining``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd
import yaml

from conveyor.config import MonitoringThresholds, Retraining, TrainingConfig, load_run_config
from conveyor.errors import DataSourceError
from conveyor.monitoring.drift import ColumnDrift, DriftResult
from conveyor.platform import storage
from conveyor.platform.paths import resolve_path
from conveyor.training.data.sources import load_source

logger = logging.getLogger(__name__)

Status = Literal["ok", "drift", "not_enough_data"]


@dataclass(frozen=True)
class ColumnVerdict:
    column: str
    method: str
    score: float
    threshold: float
    drifted: bool
    missing_change: float


@dataclass(frozen=True)
class MonitoringDecision:
    """The verdict and what it rests on; ``breached`` is True only for status ``drift``.

    ``columns`` are the feature columns' verdicts (``drift_share`` is of these); ``prediction`` is the verdict on
    the distribution of the model's predictions (None when nothing was measured), a breach by itself when
    ``prediction_drift_breaches``. ``notes`` are findings that are not breaches.
    """

    status: Status
    breached: bool
    reasons: list[str]
    current_rows: int
    reference_rows: int
    min_rows: int
    drift_share: float | None
    max_drift_share: float
    drifted_columns: list[str] = field(default_factory=list)
    missing_increases: dict[str, float] = field(default_factory=dict)
    columns: list[ColumnVerdict] = field(default_factory=list)
    prediction: ColumnVerdict | None = None
    prediction_drifted: bool | None = None
    prediction_drift_breaches: bool = True
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def not_enough_data(current_rows: int, reference_rows: int, thresholds: MonitoringThresholds) -> MonitoringDecision:
    """The verdict when the current window is too small to compare: neither drift nor no drift."""
    return MonitoringDecision(
        status="not_enough_data",
        breached=False,
        reasons=[f"not enough data: {current_rows} current row(s), the minimum is {thresholds.min_rows}"],
        current_rows=current_rows,
        reference_rows=reference_rows,
        min_rows=thresholds.min_rows,
        drift_share=None,
        max_drift_share=thresholds.drift_share,
        prediction_drift_breaches=thresholds.prediction_drift,
    )


def _verdict(c: ColumnDrift) -> ColumnVerdict:
    return ColumnVerdict(c.column, c.method, c.score, c.threshold, c.drifted, round(c.missing_change, 6))


def decide(result: DriftResult, thresholds: MonitoringThresholds) -> MonitoringDecision:
    """Compare the drift result with the thresholds; every breached threshold becomes a reason."""
    if result.current_rows < thresholds.min_rows:
        return not_enough_data(result.current_rows, result.reference_rows, thresholds)
    reasons: list[str] = []
    notes: list[str] = []
    drifted = result.drifted
    if drifted and result.drift_share >= thresholds.drift_share:
        detail = ", ".join(f"{c.column} ({c.method} {c.score:.3f} vs {c.threshold})" for c in drifted)
        reasons.append(
            f"{len(drifted)} of {len(result.features)} columns drifted (share {result.drift_share:.2f}, "
            f"limit {thresholds.drift_share}): {detail}"
        )
    prediction = result.prediction
    if prediction is not None and prediction.drifted:
        finding = (
            f"the model's predictions drifted: {prediction.column} ({prediction.method} {prediction.score:.3f} "
            f"vs {prediction.threshold})"
        )
        if thresholds.prediction_drift:
            reasons.append(finding)
        else:
            notes.append(f"{finding}; not a breach, as thresholds.prediction_drift is false")
    increases: dict[str, float] = {}
    if thresholds.max_missing_increase is not None:
        increases = {
            c.column: round(c.missing_change, 6)
            for c in result.features
            if c.missing_change > thresholds.max_missing_increase
        }
        for column, change in increases.items():
            reasons.append(
                f"column '{column}': missing values up by {change:.1%}, more than {thresholds.max_missing_increase:.1%}"
            )
    return MonitoringDecision(
        status="drift" if reasons else "ok",
        breached=bool(reasons),
        reasons=reasons,
        current_rows=result.current_rows,
        reference_rows=result.reference_rows,
        min_rows=thresholds.min_rows,
        drift_share=result.drift_share,
        max_drift_share=thresholds.drift_share,
        drifted_columns=[c.column for c in drifted],
        missing_increases=increases,
        columns=[_verdict(c) for c in result.features],
        prediction=_verdict(prediction) if prediction is not None else None,
        prediction_drifted=prediction.drifted if prediction is not None else None,
        prediction_drift_breaches=thresholds.prediction_drift,
        notes=notes,
    )


def retraining_config(
    retrain: Retraining, model_name: str, monitoring_run: str, folder: str, live: pd.DataFrame | None = None
) -> TrainingConfig:
    """The training run config the ``retrain`` policy requests, for the monitored model, fully resolved.

    The model name always comes from the monitoring config, so the retrained challenger is gated against
    the champion that was monitored; the run is named ``retrain-<monitoring run>``. With ``labelled`` set,
    or ``live`` rows (the window's predictions that got ground truth, as training rows), the configured
    training data and those rows are written together to ``<folder>/<monitoring run>.parquet`` (a path or
    URI every process of the stack can read: the step passes the artifact store's), which becomes the
    training data source; the training pipeline validates it like any other data.
    """
    # A schedule in the training config is for the scheduled runs, not for the one retraining starts now.
    overrides = [*retrain.overrides, f"model.name={model_name}", f"run_name=retrain-{monitoring_run}", "schedule=null"]
    config = load_run_config(resolve_path(retrain.config), TrainingConfig, overrides)
    added: list[tuple[str, pd.DataFrame]] = []
    if retrain.labelled is not None:
        labelled_path = storage.locate(retrain.labelled)
        kind = "parquet" if labelled_path.endswith(".parquet") else "csv"
        rows = storage.read_table(labelled_path, kind, "retrain.labelled")
        added.append((f"newly labelled data {labelled_path} (`retrain.labelled`)", rows))
    if not added and (live is None or not len(live)):
        return config
    base = load_source(config.parameters.data, seed=config.parameters.seed)
    if live is not None and len(live):  # the model's columns and the label; others of the training data are empty
        added.append(("the labelled live rows", live.reindex(columns=base.columns)))
    for what, rows in added:
        missing = sorted(set(base.columns) - set(rows.columns))
        if missing:
            raise DataSourceError(f"{what} lacks column(s) {missing} of the training data {config.parameters.data}")
    target = config.parameters.target
    parts = [base, *(_typed_like(rows[list(base.columns)], base, target) for _, rows in added)]
    combined = pd.concat(parts, ignore_index=True)
    out = f"{folder.rstrip('/')}/{monitoring_run}.parquet"
    with storage.open_file(out, "retrain.labelled", "wb") as handle:
        combined.to_parquet(handle, index=False)
    logger.info(
        "Retraining data: %d configured rows + %s in %s",
        len(base),
        " + ".join(f"{len(rows)} from {what}" for what, rows in added),
        out,
    )
    data = {"kind": "parquet", "path": out}
    return load_run_config(resolve_path(retrain.config), TrainingConfig, [*overrides, f"data={data}"])


def _typed_like(rows: pd.DataFrame, base: pd.DataFrame, target: str) -> pd.DataFrame:
    """``rows`` with the target typed as in ``base`` (live labels arrive as text or numbers)."""
    if target in rows.columns and pd.api.types.is_numeric_dtype(base[target]):
        return rows.assign(**{target: pd.to_numeric(rows[target], errors="coerce")})
    if target in rows.columns and pd.api.types.is_bool_dtype(base[target]):
        return rows.assign(**{target: rows[target].astype(str).str.lower() == "true"})
    return rows


def write_config(config: TrainingConfig, location: str) -> str:
    """Write ``config`` as a run-config YAML file at ``location`` (a path or URI); return the location."""
    text = yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
    with storage.open_file(location, "retrain.config", "wb") as handle:
        handle.write(text.encode())
    return location
