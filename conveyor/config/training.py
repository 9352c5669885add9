"""The training pipeline's run-config schema (``configs/training.yaml``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from conveyor.config.estimators import unknown_parameters
from conveyor.config.loader import RunConfig, Strict

MetricName = Literal["accuracy", "f1", "roc_auc", "log_loss"]
Family = Literal["logistic_regression", "random_forest", "hist_gradient_boosting"]  # the keys of FAMILIES

# Metrics where a smaller value is better; every other metric is better when larger.
LOWER_IS_BETTER: frozenset[str] = frozenset({"log_loss"})


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
        problems = [
            f"'{name}.search.{key}' is not a parameter of {candidate.family}"
            for name, candidate in candidates.items()
            for key in unknown_parameters(candidate.family, list(candidate.search))
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return candidates



class TrainingConfig(RunConfig):
    parameters: TrainingParams

