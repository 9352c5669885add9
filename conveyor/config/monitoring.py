"""The monitoring pipeline's run-config schema (``configs/monitoring.yaml``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from conveyor.config.loader import RunConfig, Strict
from conveyor.config.training import Limit, MetricName

NumericDriftMethod = Literal["wasserstein", "psi", "jensenshannon", "hellinger", "kl_div", "ks", "anderson", "mannw"]
CategoricalDriftMethod = Literal["jensenshannon", "psi", "hellinger", "kl_div", "chisquare"]


class CurrentData(Strict):
    """The data monitored against the champion's training data."""

    kind: Literal["prediction_log", "csv", "parquet", "churn"]
    path: str | None = Field(
        None,
        description="csv/parquet: a path or URI; prediction_log: a log file, or a directory or prefix of shipped "
        "logs (s3://bucket/prediction-logs/); null = where configs/deployment.yaml logs",
    )
    last: int | None = Field(None, gt=0, description="prediction_log: the newest this many records")
    champion_only: bool = Field(False, description="prediction_log: only records the champion version predicted")
    rows: int | None = Field(None, gt=0, description="churn: rows to generate")
    drift: float = Field(0.0, ge=0.0, description="churn: how far to shift the distribution")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> CurrentData:
        if self.kind in ("csv", "parquet") and self.path is None:
            raise ValueError(f"current data kind '{self.kind}' needs 'path'")
        if self.kind == "churn" and self.rows is None:
            raise ValueError("current data kind 'churn' needs 'rows'")
        uses = {
            "prediction_log": {"path", "last", "champion_only"},
            "csv": {"path"},
            "parquet": {"path"},
            "churn": {"rows", "drift"},
        }[self.kind]
        given = {k for k in ("path", "last", "rows") if getattr(self, k) is not None}
        given |= {"drift"} if self.drift else set()
        given |= {"champion_only"} if self.champion_only else set()
        extra = sorted(given - uses)
        if extra:
            raise ValueError(f"current data kind '{self.kind}' does not use {', '.join(repr(e) for e in extra)}")
        return self


class DriftSettings(Strict):
    """How each column is compared (Evidently methods) and how many rows Evidently sees at most."""

    num_method: NumericDriftMethod
    cat_method: CategoricalDriftMethod
    threshold: float = Field(gt=0.0, description="per-column threshold of the method's score")
    per_column: dict[str, float] = Field({}, description="column -> its own threshold")
    max_rows: int | None = Field(None, gt=0, description="sample each side to this many rows (seeded); null = all")


class MonitoringThresholds(Strict):
    drift_share: float = Field(
        gt=0.0, le=1.0, description="breach when this share of the feature columns or more drifted"
    )
    min_rows: int = Field(gt=0, description="fewer current rows is 'not enough data', neither drift nor no drift")
    max_missing_increase: float | None = Field(
        None, ge=0.0, le=1.0, description="breach when a feature column's missing share grows by more than this"
    )
    prediction_drift: bool = Field(
        True,
        description="breach when the distribution of the model's predictions drifted (column `prediction`, "
        "not counted in drift_share); false: only reported",
    )


class Retraining(Strict):
    config: str = Field(description="training run config, relative to the project root")
    overrides: list[str] = Field([], description="key=value overrides of that config, as with run.py --set")
    labelled: str | None = Field(
        None, description="csv/parquet (a path or URI) of newly labelled rows appended to the training data"
    )


class LabelFile(Strict):
    """Ground truth in bulk: a table with an ``id`` column (the predictions' ids) and a label column."""

    kind: Literal["csv", "parquet"]
    path: str = Field(description="a path (relative to the project root) or a URI")
    column: str | None = Field(None, description="the label column; null = the model's target column")


class GroundTruth(Strict):
    """Where the labels of live predictions come from; they are joined to the prediction log by ``id``."""

    log: str | None = Field(
        None,
        description="the labels log that POST /feedback appends to (a file, or a directory or prefix of shipped "
        "logs); null = labels.jsonl beside the prediction log that `current` reads",
    )
    files: list[LabelFile] = Field([], description="csv/parquet files of labels, read after the labels log")


class PerformanceThresholds(Strict):
    """When the champion's live metrics (on the labelled rows of the window) say it has degraded."""

    min_labelled_rows: int = Field(
        100, gt=0, description="fewer labelled rows in the window: 'not_enough_labels', neither ok nor degraded"
    )
    max_drop: float = Field(
        0.1,
        ge=0.0,
        description="degraded when a checked metric is worse than the model's holdout value by more than this "
        "share of it (0.1: 10%; a drop for accuracy, a rise for rmse)",
    )
    metrics: list[MetricName] | None = Field(
        None,
        description="the metrics the verdict checks against the holdout; null = accuracy and f1 (classification), "
        "rmse and mae (regression)",
    )
    limits: dict[MetricName, Limit] = Field(
        {}, description="absolute floors (min) and ceilings (max) of live metrics, as gate.limits"
    )


class MonitoringParams(Strict):
    seed: int
    current: CurrentData
    drift: DriftSettings
    thresholds: MonitoringThresholds
    labels: GroundTruth = GroundTruth()
    performance: PerformanceThresholds = PerformanceThresholds()
    policy: Literal["warn", "fail", "retrain"] = Field(
        description="what a breach (drift, or degraded performance) does"
    )
    retrain: Retraining


class MonitoringConfig(RunConfig):
    parameters: MonitoringParams


