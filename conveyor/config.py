"""Run-config schemas and the loader that validates a YAML file before ZenML sees it.

A run config has the shape of a ZenML run config (``enable_cache``, ``run_name``, ``tags``, ``model``,
``parameters``), but ZenML ignores unknown keys and Conveyor does not: every key is checked
here, and an error names the file and the dotted key.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conveyor.errors import ConfigError

MetricName = Literal["accuracy", "f1", "roc_auc", "log_loss"]
Family = Literal["logistic_regression", "random_forest", "hist_gradient_boosting"]

# Metrics where a smaller value is better; every other metric is better when larger.
LOWER_IS_BETTER: frozenset[str] = frozenset({"log_loss"})


class Strict(BaseModel):
    """A schema section that rejects unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSource(Strict):
    """Where the training data comes from."""

    kind: Literal["churn", "csv", "parquet", "sklearn"]
    path: str | None = Field(None, description="csv/parquet: a path (relative to the project root) or a URI")
    name: str | None = Field(None, description="sklearn: a bundled dataset (iris, wine, breast_cancer)")
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
    min_rows: int = Field(gt=0)
    max_missing: float = Field(ge=0.0, le=1.0, description="default largest missing fraction per feature")
    columns: dict[str, ColumnRule] = {}


class Split(Strict):
    test_size: float = Field(gt=0.0, lt=1.0)
    stratify: bool


class Candidate(Strict):
    family: Family
    search: dict[str, list[Any]] = Field(description="estimator parameter -> values to try")
    n_iter: int | None = Field(None, gt=0, description="sample this many settings; all of them if unset")

    @field_validator("search")
    @classmethod
    def _non_empty_values(cls, search: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in search.items():
            if not values:
                raise ValueError(f"search parameter '{key}' has no values")
        return search


class Selection(Strict):
    metric: MetricName
    cv_folds: int = Field(ge=2)


class Limit(Strict):
    min: float | None = None
    max: float | None = None


class Gate(Strict):
    min_improvement: float = Field(ge=0.0, description="challenger must beat the champion by this much")
    limits: dict[MetricName, Limit] = {}


class TrainingParams(Strict):
    seed: int
    data: DataSource
    target: str
    features: Features
    validation: Validation
    split: Split
    candidates: dict[str, Candidate]
    selection: Selection
    gate: Gate

    @model_validator(mode="after")
    def _consistent(self) -> TrainingParams:
        if not self.candidates:
            raise ValueError("list at least one candidate")
        if self.target in self.features.all:
            raise ValueError(f"target '{self.target}' is also listed as a feature")
        unknown = set(self.validation.columns) - {*self.features.all, self.target}
        if unknown:
            raise ValueError(f"validation rules for columns that are neither features nor target: {sorted(unknown)}")
        return self

    @field_validator("candidates")
    @classmethod
    def _known_search_parameters(cls, candidates: dict[str, Candidate]) -> dict[str, Candidate]:
        from conveyor.models import unknown_search_parameters  # sklearn is imported only when needed

        problems = [
            f"'{name}.search.{key}' is not a parameter of {candidate.family}"
            for name, candidate in candidates.items()
            for key in unknown_search_parameters(candidate)
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return candidates


class ModelSection(Strict):
    name: str
    description: str | None = None
    license: str | None = None
    tags: list[str] = []


class RunConfig(Strict):
    """A whole run-config file for one pipeline."""

    enable_cache: bool = True
    run_name: str | None = None
    tags: list[str] = []
    model: ModelSection
    parameters: BaseModel


class TrainingConfig(RunConfig):
    parameters: TrainingParams


C = TypeVar("C", bound=RunConfig)


def _known_keys(model: type[BaseModel], into: set[str]) -> set[str]:
    for name, field in model.model_fields.items():
        into.add(name)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and arg is not BaseModel:
                _known_keys(arg, into)
    return into


def _describe(error: dict[str, Any], known: set[str]) -> str:
    key = ".".join(str(p) for p in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        leaf = str(error["loc"][-1])
        close = difflib.get_close_matches(leaf, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{key}: unknown key{hint}"
    if error["type"] == "missing":
        return f"{key}: required key is missing"
    return f"{key}: {error['msg'].removeprefix('Value error, ')}"


def apply_override(raw: dict[str, Any], assignment: str, schema: type[RunConfig]) -> None:
    """Apply one ``key.path=value`` override to a raw config dict (value parsed as YAML).

    A path that starts with a key of the ``parameters`` section may leave out ``parameters.``.
    """
    if "=" not in assignment:
        raise ConfigError("--set", [f"'{assignment}': expected key.path=value"])
    path, _, text = assignment.partition("=")
    parts = path.strip().split(".")
    parameters = schema.model_fields["parameters"].annotation
    if parts[0] not in schema.model_fields and parts[0] in getattr(parameters, "model_fields", {}):
        parts = ["parameters", *parts]
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError("--set", [f"'{path}': '{part}' is not a section"])
        node = child
    node[parts[-1]] = yaml.safe_load(text)


def load_run_config(path: str | Path, schema: type[C], overrides: Sequence[str] = ()) -> C:
    """Read, override and validate a run config; raise ConfigError naming the file and every bad key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(str(path), ["the top level must be a mapping of keys"])
    for assignment in overrides:
        apply_override(raw, assignment, schema)
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        known = _known_keys(schema, set())
        raise ConfigError(str(path), [_describe(e, known) for e in exc.errors()]) from None


class PredictionLogSettings(Strict):
    path: str | None = Field(None, description="JSONL file; null = <state dir>/predictions/predictions.jsonl")
    max_bytes: int = Field(gt=0, description="rotate the file when it passes this size")
    backups: int = Field(ge=0, description="rotated files to keep")
    queue_size: int = Field(gt=0, description="requests waiting for the writer thread; more are dropped and counted")


class Batching(Strict):
    max_batch_size: int = Field(gt=0, description="adaptive batching: most records in one model call")
    max_latency_ms: int = Field(gt=0, description="adaptive batching: longest a request may wait for its batch")


class ServiceSettings(Strict):
    """How the BentoML service runs; the deployment pipeline bakes these into the Bento."""

    host: str = Field(description="bind address; 127.0.0.1 keeps the service on this machine")
    port: int = Field(gt=0, lt=65536)
    workers: int = Field(gt=0)
    max_request_bytes: int = Field(gt=0, description="larger request bodies get 413")
    max_batch_rows: int = Field(gt=0, description="most records in one /predict_batch request")
    access_log: bool = Field(description="BentoML's per-request access log (costs throughput; /metrics counts anyway)")
    batching: Batching
    prediction_log: PredictionLogSettings


DeploymentMode = Literal["auto", "local", "container"]


class DeploymentParams(Strict):
    service: ServiceSettings
    deployment: DeploymentMode = Field(
        description="auto: a local process on the local orchestrator, a container on any other (conveyor/deployment.py)"
    )
    parity_rows: int = Field(gt=0, description="records in the fixed sample of the HTTP parity check")
    parity_seed: int
    parity_tolerance: float = Field(ge=0.0, description="largest allowed probability difference")
    timeout: int = Field(gt=0, description="seconds to wait for the service to start or stop")


class DeploymentConfig(RunConfig):
    parameters: DeploymentParams


# --- monitoring ----------------------------------------------------------------------------------------------

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
    drift_share: float = Field(gt=0.0, le=1.0, description="breach when this share of columns or more drifted")
    min_rows: int = Field(gt=0, description="fewer current rows is 'not enough data', neither drift nor no drift")
    max_missing_increase: float | None = Field(
        None, ge=0.0, le=1.0, description="breach when a column's missing share grows by more than this"
    )


class Retraining(Strict):
    config: str = Field(description="training run config, relative to the project root")
    overrides: list[str] = Field([], description="key=value overrides of that config, as with run.py --set")
    labelled: str | None = Field(
        None, description="csv/parquet (a path or URI) of newly labelled rows appended to the training data"
    )


class MonitoringParams(Strict):
    seed: int
    current: CurrentData
    drift: DriftSettings
    thresholds: MonitoringThresholds
    policy: Literal["warn", "fail", "retrain"]
    retrain: Retraining


class MonitoringConfig(RunConfig):
    parameters: MonitoringParams


# --- batch inference -----------------------------------------------------------------------------------------


def _table_file(path: str, what: str) -> str:
    if not path.endswith((".csv", ".parquet")):
        raise ValueError(f"'{path}': {what} a .csv or .parquet file")
    return path


class BatchInput(Strict):
    path: str = Field(description="csv or parquet file of records: a path (relative: to the project root) or a URI")

    @field_validator("path")
    @classmethod
    def _known_format(cls, path: str) -> str:
        return _table_file(path, "batch input must be")


class BatchOutput(Strict):
    path: str = Field(
        description="predictions file (.csv or .parquet; a path or URI); invalid rows go beside it as <stem>.invalid"
    )

    @field_validator("path")
    @classmethod
    def _known_format(cls, path: str) -> str:
        return _table_file(path, "predictions must be written as")


class BatchInferenceParams(Strict):
    input: BatchInput
    output: BatchOutput
    max_invalid_share: float = Field(ge=0.0, le=1.0, description="fail the run when more rows than this are invalid")


class BatchInferenceConfig(RunConfig):
    parameters: BatchInferenceParams


# --- the end-to-end demo (`run.py --pipeline all`) -------------------------------------------------------------


class Stage(Strict):
    config: str = Field(description="the stage's run config, relative to the project root")
    overrides: list[str] = Field([], description="key=value overrides of that config, as with run.py --set")


class Traffic(Strict):
    rows: int = Field(gt=0, description="records sent to the running service")
    drift: float = Field(ge=0.0, description="shift of the churn generator's distribution (0 = training's)")
    seed: int
    batch_size: int = Field(gt=0, description="records per /predict_batch request")
    timeout: int = Field(gt=0, description="seconds to wait for the service to log every record")


class LabelledData(Strict):
    rows: int = Field(gt=0, description="newly labelled rows, drawn like the traffic, appended when retraining")
    drift: float = Field(ge=0.0)
    seed: int


class DemoParams(Strict):
    training: Stage
    deployment: Stage
    monitoring: Stage
    traffic: Traffic
    labelled: LabelledData | None = None
    redeploy: bool = Field(description="deploy again when retraining promoted a new champion")


class DemoConfig(RunConfig):
    parameters: DemoParams
