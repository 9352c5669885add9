"""The training pipeline's run-config schema (``configs/training.yaml``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from conveyor.config.estimators import FAMILIES, Task, check_candidate
from conveyor.config.fairness import FAIRNESS_METRICS, Fairness
from conveyor.config.loader import KeyedProblems, RunConfig, Strict
from conveyor.config.onnx import OnnxSettings

MetricName = Literal["accuracy", "f1", "roc_auc", "log_loss", "rmse", "mae", "r2", "mape"]
Family = Literal["logistic_regression", "random_forest", "hist_gradient_boosting", "xgboost", "lightgbm"]

# The metrics of each task, in the order reports show them.
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "classification": ("accuracy", "f1", "roc_auc", "log_loss"),
    "regression": ("rmse", "mae", "r2", "mape"),
}
# Metrics where a smaller value is better; every other metric is better when larger.
LOWER_IS_BETTER: frozenset[str] = frozenset({"log_loss", "rmse", "mae", "mape"})


class DataSource(Strict):
    """Where the training data comes from."""

    kind: Literal["churn", "csv", "parquet", "sklearn"]
    path: str | None = Field(None, description="csv/parquet: a path (relative to the project root) or a URI")
    name: str | None = Field(
        None, description="sklearn: a bundled dataset (iris, wine, breast_cancer; diabetes for regression)"
    )
    rows: int | None = Field(None, gt=0, description="churn: number of rows to generate")
    drift: float = Field(0.0, ge=0.0, description="churn: how far to shift the distribution (0 = none)")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> DataSource:
        fields = {"csv": {"path"}, "parquet": {"path"}, "sklearn": {"name"}, "churn": {"rows", "drift"}}
        needs = {"csv": "path", "parquet": "path", "sklearn": "name", "churn": "rows"}[self.kind]
        if getattr(self, needs) is None:
            raise ValueError(f"data source kind '{self.kind}' needs '{needs}'")
        given = {k for k in ("path", "name", "rows") if getattr(self, k) is not None}
        given |= {"drift"} if self.drift else set()
        extra = sorted(given - fields[self.kind])
        if extra:
            raise ValueError(f"data source kind '{self.kind}' does not use {', '.join(repr(e) for e in extra)}")
        return self


class Features(Strict):
    numeric: list[str] = []
    categorical: list[str] = []

    @model_validator(mode="after")
    def _some_features(self) -> Features:
        if not self.numeric and not self.categorical:
            raise ValueError("list at least one numeric or categorical feature")
        overlap = set(self.numeric) & set(self.categorical)
        if overlap:
            raise ValueError(f"columns listed as both numeric and categorical: {sorted(overlap)}")
        return self

    @property
    def all(self) -> list[str]:
        return [*self.numeric, *self.categorical]


class ColumnRule(Strict):
    min: float | None = None
    max: float | None = None
    allowed: list[str | int] | None = None
    max_missing: float | None = Field(None, ge=0.0, le=1.0, description="largest allowed missing fraction")


class Validation(Strict):
    """Data rules checked before training; every key has a default, so the section may be left out."""

    min_rows: int = Field(50, gt=0, description="fewer rows stop the run")
    max_missing: float = Field(
        0.1, ge=0.0, le=1.0, description="default largest missing fraction per feature (a column rule may override)"
    )
    columns: dict[str, ColumnRule] = {}


class Split(Strict):
    test_size: float = Field(0.25, gt=0.0, lt=1.0, description="holdout share")
    stratify: bool | None = Field(
        None, description="stratify the holdout split by the target; null = yes for classification, no for regression"
    )

    def stratified(self, task: str) -> bool:
        """Whether the holdout split is stratified: as configured, else for classification only."""
        return self.stratify if self.stratify is not None else task == "classification"


class Range(Strict):
    """A search range sampled by the randomized search: uniform, log-uniform (``log``), integers (``int``)."""

    # ZenML hands step parameters on as model_dump() output (field names): accept the field name too.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    low: float
    high: float
    log: bool = False
    int_: bool = Field(False, alias="int", description="sample integers")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be above low ({self.low})")
        if self.log and self.low <= 0:
            raise ValueError(f"a log range needs low > 0 (got {self.low})")
        return self


class Candidate(Strict):
    """One model to try: a ``family`` shortcut or an ``estimator`` import path, fixed ``params`` and a ``search``."""

    family: Family | None = Field(None, description="a shortcut: " + ", ".join(FAMILIES))
    estimator: str | None = Field(
        None, description="import path of a scikit-learn-compatible class, e.g. sklearn.ensemble.ExtraTreesRegressor"
    )
    params: dict[str, Any] = Field({}, description="fixed estimator parameters (class_weight, scale_pos_weight, ...)")
    search: dict[str, list[Any] | Range] = Field(
        {}, description="estimator parameter -> values to try, or a range {low, high, log, int}"
    )
    n_iter: int | None = Field(
        None, gt=0, description="sample this many settings (randomized search); all of them if unset (grid)"
    )

    @property
    def kind(self) -> str:
        """The family shortcut, or the estimator's import path."""
        return str(self.family or self.estimator)

    @model_validator(mode="after")
    def _one_estimator(self) -> Candidate:
        if (self.family is None) == (self.estimator is None):
            raise ValueError("give exactly one of 'family' (a shortcut) and 'estimator' (an import path)")
        for key, values in self.search.items():
            if isinstance(values, list) and not values:
                raise ValueError(f"search parameter '{key}' has no values")
        if self.n_iter is None and any(isinstance(v, Range) for v in self.search.values()):
            raise ValueError("a search with a range {low, high} needs 'n_iter' (how many settings to sample)")
        return self


class Selection(Strict):
    metric: MetricName = Field(description="the metric that ranks candidates and that the gate compares")
    cv_folds: int = Field(3, ge=2)


class Limit(Strict):
    min: float | None = None
    max: float | None = None

    def breach(self, value: float) -> str | None:
        """How ``value`` breaks this limit ("below the minimum 0.7"), or None when it holds."""
        if self.min is not None and value < self.min:
            return f"below the minimum {self.min}"
        if self.max is not None and value > self.max:
            return f"above the maximum {self.max}"
        return None


class Gate(Strict):
    min_improvement: float = Field(
        ge=0.0, description="challenger must beat the champion by this much, in the metric's own direction"
    )
    limits: dict[MetricName, Limit] = {}
    confidence: float = Field(
        0.95,
        ge=0.5,
        lt=1.0,
        description="the paired bootstrap's confidence: the challenger must beat the champion by min_improvement, "
        "and the trivial baseline, with this confidence",
    )
    bootstrap: int = Field(1000, ge=100, description="paired bootstrap resamples of the holdout rows")


class Explain(Strict):
    """Global feature importance of the selected model on the holdout, for the chart and the model card."""

    n_repeats: int = Field(5, ge=1, description="shuffles of each feature; the chart's error bars are their spread")
    max_rows: int = Field(2000, gt=0, description="holdout rows scored; a larger holdout is sampled (seeded)")


class TrainingParams(Strict):
    seed: int
    task: Task = Field("classification", description="classification | regression")
    data: DataSource
    target: str
    features: Features
    validation: Validation = Validation()
    split: Split = Split()
    candidates: dict[str, Candidate]
    selection: Selection
    gate: Gate
    explain: Explain = Explain()
    fairness: Fairness | None = Field(None, description="per-group metrics and disparity limits; null = none")
    onnx: OnnxSettings = OnnxSettings()

    @property
    def stratify(self) -> bool:
        """Whether the holdout split is stratified (``Split.stratified`` for this task)."""
        return self.split.stratified(self.task)

    @model_validator(mode="after")
    def _consistent(self) -> TrainingParams:
        if not self.candidates:
            raise ValueError("list at least one candidate")
        if self.target in self.features.all:
            raise ValueError(f"target '{self.target}' is also listed as a feature")
        unknown = set(self.validation.columns) - {*self.features.all, self.target}
        if unknown:
            raise ValueError(f"validation rules for columns that are neither features nor target: {sorted(unknown)}")
        problems: list[tuple[str, str]] = []
        allowed = TASK_METRICS[self.task]
        if self.selection.metric not in allowed:
            problems.append(
                ("selection.metric", f"{self.selection.metric} is not a {self.task} metric; use {', '.join(allowed)}")
            )
        problems += [
            (f"gate.limits.{metric}", f"{metric} is not a {self.task} metric; use {', '.join(allowed)}")
            for metric in self.gate.limits
            if metric not in allowed
        ]
        if self.fairness is not None:
            fair = FAIRNESS_METRICS[self.task]
            problems += [
                (f"fairness.metrics.{m}", f"{m} is not a {self.task} fairness metric; use {', '.join(fair)}")
                for m in self.fairness.metrics
                if m not in fair
            ]
            problems += [
                (f"fairness.max_disparity.{m}", f"{m} has a limit but is not in fairness.metrics")
                for m in self.fairness.max_disparity
                if m not in self.fairness.metrics
            ]
            problems += [
                (f"fairness.sensitive.{c}", "the target cannot be a sensitive column")
                for c in self.fairness.sensitive
                if c == self.target
            ]
        if self.task == "regression" and self.split.stratify:
            problems.append(("split.stratify", "a regression target cannot be stratified; set it to false or drop it"))
        for name, candidate in self.candidates.items():
            found = check_candidate(
                self.task, candidate.family, candidate.estimator, candidate.params, list(candidate.search)
            )
            problems += [(f"candidates.{name}.{p.key}", str(p)) for p in found]
        if problems:
            raise KeyedProblems(problems)
        return self


class TrainingConfig(RunConfig):
    parameters: TrainingParams

