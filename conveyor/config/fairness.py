"""The fairness section of the training run config (``parameters.fairness``): groups, metrics and limits."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from conveyor.config.loader import Strict

FairnessMetric = Literal[
    "accuracy",
    "recall",
    "precision",
    "f1",
    "selection_rate",
    "false_positive_rate",
    "false_negative_rate",
    "mae",
    "rmse",
]
FAIRNESS_METRICS: dict[str, tuple[str, ...]] = {
    "classification": (
        "accuracy", "recall", "precision", "f1", "selection_rate", "false_positive_rate", "false_negative_rate"
    ),
    "regression": ("mae", "rmse"),
}


class Disparity(Strict):
    """The largest allowed disparity of one metric between groups (at least one of the two)."""

    difference: float | None = Field(None, ge=0.0, description="largest allowed gap between two groups' values")
    ratio: float | None = Field(
        None, gt=0.0, le=1.0, description="smallest allowed ratio of one group's value to another's (0.8: 80%)"
    )

    @model_validator(mode="after")
    def _one_limit(self) -> Disparity:
        if self.difference is None and self.ratio is None:
            raise ValueError("give 'difference', 'ratio' or both")
        return self


class Fairness(Strict):
    """Per-group metrics on the holdout (Fairlearn's MetricFrame) and the disparities the gate allows."""

    sensitive: list[str] = Field(
        min_length=1, description="columns whose groups are compared; need not be features, but must be in the data"
    )
    metrics: list[FairnessMetric] = Field(min_length=1, description="metrics computed per group")
    max_disparity: dict[FairnessMetric, Disparity] = Field(
        {}, description="metric -> {difference, ratio}: the gate refuses a challenger beyond it"
    )
    min_group_rows: int = Field(
        20, gt=0, description="groups with fewer holdout rows are shown but held to no limit"
    )

