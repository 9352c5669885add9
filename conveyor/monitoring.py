"""The monitoring decision: does the current data still look like the champion's training data?

``decide`` turns a typed drift result and the thresholds of the run config into a typed verdict with
one of three states: ``ok``, ``drift`` (a threshold is breached) or ``not_enough_data`` (too few current
rows to say either). ``retraining_config`` builds the training run that the ``retrain`` policy starts,
and ``start_retraining`` launches it.

ZenML refuses to start a pipeline from inside a running step ("Preventing execution of pipeline"), so
retraining runs ``run.py --pipeline training`` in a child process on the same stack and state, under a
run name derived from the monitoring run; the caller then reads that run's outputs by name.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd
import yaml

from conveyor.config import MonitoringThresholds, Retraining, TrainingConfig, load_run_config
from conveyor.data.sources import load_source, resolve_path
from conveyor.drift import DriftResult
from conveyor.errors import DataSourceError, RetrainingError
from conveyor.paths import project_root, state_dir

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
    """The verdict and what it rests on; ``breached`` is True only for status ``drift``."""

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
    )


def decide(result: DriftResult, thresholds: MonitoringThresholds) -> MonitoringDecision:
    """Compare the drift result with the thresholds; every breached threshold becomes a reason."""
    if result.current_rows < thresholds.min_rows:
        return not_enough_data(result.current_rows, result.reference_rows, thresholds)
    reasons: list[str] = []
    drifted = result.drifted
    if drifted and result.drift_share >= thresholds.drift_share:
        detail = ", ".join(f"{c.column} ({c.method} {c.score:.3f} vs {c.threshold})" for c in drifted)
        reasons.append(
            f"{len(drifted)} of {len(result.columns)} columns drifted (share {result.drift_share:.2f}, "
            f"limit {thresholds.drift_share}): {detail}"
        )
    increases: dict[str, float] = {}
    if thresholds.max_missing_increase is not None:
        increases = {
            c.column: round(c.missing_change, 6)
            for c in result.columns
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
        columns=[
            ColumnVerdict(c.column, c.method, c.score, c.threshold, c.drifted, round(c.missing_change, 6))
            for c in result.columns
        ],
    )


def retraining_config(retrain: Retraining, model_name: str, run_tag: str) -> TrainingConfig:
    """The training run config the ``retrain`` policy starts, for the monitored model.

    The model name always comes from the monitoring config, so the retrained challenger is gated against
    the champion that was monitored. With ``labelled`` set, the configured training data and the newly
    labelled rows are written together to one Parquet file in the state directory, which becomes the
    training data source; the training pipeline validates it like any other data.
    """
    overrides = [*retrain.overrides, f"model.name={model_name}"]
    config = load_run_config(resolve_path(retrain.config), TrainingConfig, overrides)
    if retrain.labelled is None:
        return config
    labelled_path = resolve_path(retrain.labelled)
    if not labelled_path.exists():
        raise DataSourceError(f"newly labelled data {labelled_path} does not exist: check `retrain.labelled`")
    reader = pd.read_parquet if labelled_path.suffix == ".parquet" else pd.read_csv
    labelled = reader(labelled_path)
    base = load_source(config.parameters.data, seed=config.parameters.seed)
    missing = sorted(set(base.columns) - set(labelled.columns))
    if missing:
        raise DataSourceError(f"newly labelled data {labelled_path} lacks column(s) {missing} of the training data")
    combined = pd.concat([base, labelled[list(base.columns)]], ignore_index=True)
    out = state_dir() / "retraining" / f"{run_tag}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    combined.to_parquet(out, index=False)
    logger.info("Retraining data: %d configured + %d newly labelled rows in %s", len(base), len(labelled), out)
    data = {"kind": "parquet", "path": str(out)}
    return load_run_config(resolve_path(retrain.config), TrainingConfig, [*overrides, f"data={data}"])


def start_retraining(config: TrainingConfig, run_name: str) -> str:
    """Run the training pipeline with ``config`` as run ``run_name`` in a child process; return the run name.

    The config is written, fully resolved, beside the other retraining files in the state directory, so
    the run can be repeated by hand with ``python run.py --pipeline training --config <that file>``.
    """
    raw = config.model_dump(mode="json")
    raw["run_name"] = run_name
    path = state_dir() / "retraining" / f"{run_name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    command = [sys.executable, str(project_root() / "run.py"), "--pipeline", "training", "--config", str(path)]
    logger.info("Retraining: %s", " ".join(command))
    finished = subprocess.run([*command, "--no-cache"], cwd=project_root(), check=False)
    if finished.returncode != 0:
        raise RetrainingError(
            f"the retraining run '{run_name}' exited with code {finished.returncode}; its output is above, and "
            f"`python run.py --pipeline training --config {path}` repeats it"
        )
    return run_name
