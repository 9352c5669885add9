"""Fairness without pipelines: per-group tables with Fairlearn, the disparity limits and their reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from conveyor.config import Disparity, Fairness, TrainingConfig, load_run_config
from conveyor.errors import ConfigError, DataValidationError
from conveyor.platform.paths import project_root
from conveyor.training.fairness import FairnessReport, group_tables, long_table, markdown, violations


def holdout(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Region 'north' is predicted perfectly; 'south' has its positives missed half of the time."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"region": ["north"] * 100 + ["south"] * 100 + ["tiny"] * 5, "y": rng.choice(["no", "yes"], 205)}
    )
    predicted = frame["y"].to_numpy().copy()
    south_yes = np.flatnonzero((frame["region"] == "south") & (frame["y"] == "yes"))
    predicted[south_yes[::2]] = "no"
    predicted[200:] = "no"
    return frame, predicted


def fairness(**limits: Disparity) -> Fairness:
    return Fairness(sensitive=["region"], metrics=["recall", "selection_rate"], max_disparity=limits)


def test_groups_get_their_own_metrics_and_small_groups_are_held_to_no_limit() -> None:
    frame, predicted = holdout()
    (table,) = group_tables(predicted, frame, "y", fairness(), "classification", ["no", "yes"])
    rows = {r["group"]: r for r in table.groups}
    assert rows["north"]["recall"] == 1.0 and 0.4 < rows["south"]["recall"] < 0.6
    assert rows["tiny"]["rows"] == 5 and table.eligible == ["north", "south"]
    assert table.difference["recall"] == pytest.approx(1.0 - rows["south"]["recall"], abs=1e-6)


def test_a_broken_limit_names_the_column_metric_and_both_groups() -> None:
    frame, predicted = holdout()
    tables = group_tables(
        predicted, frame, "y", fairness(recall=Disparity(difference=0.2)), "classification", ["no", "yes"]
    )
    (reason,) = violations(tables, fairness(recall=Disparity(difference=0.2)))
    assert reason.startswith("region: recall differs by") and "group 'south'" in reason and "group 'north'" in reason
    assert "max_disparity.recall.difference 0.2" in reason
    assert violations(tables, fairness(recall=Disparity(difference=0.6))) == []
    (ratio,) = violations(tables, fairness(recall=Disparity(ratio=0.8)))
    assert "recall ratio" in ratio and "below max_disparity.recall.ratio 0.8" in ratio


def test_the_tables_render_for_the_card_and_the_dashboard() -> None:
    frame, predicted = holdout()
    tables = group_tables(predicted, frame, "y", fairness(), "classification", ["no", "yes"])
    report = FairnessReport(metrics=["recall", "selection_rate"], challenger=tables, champion=tables, violations=[])
    assert set(long_table(report)["model"]) == {"challenger", "champion"}
    text = markdown(report)
    assert "| group | rows | recall | selection_rate |" in text and "Broken limits: none" in text


def test_binary_only_metrics_are_refused_for_multiclass() -> None:
    frame = pd.DataFrame({"region": ["a", "b"] * 30, "y": ["x", "y", "z"] * 20})
    with pytest.raises(DataValidationError, match="selection_rate.*binary"):
        group_tables(frame["y"], frame, "y", fairness(), "classification", ["x", "y", "z"])


def test_the_config_names_wrong_metrics_and_limits_by_key() -> None:
    base = project_root() / "configs/training.yaml"
    with pytest.raises(ConfigError, match=r"parameters\.fairness\.metrics\.rmse: rmse is not a classification"):
        load_run_config(base, TrainingConfig, ["fairness={sensitive: [region], metrics: [rmse]}"])
    with pytest.raises(ConfigError, match=r"parameters\.fairness\.max_disparity\.recall: recall has a limit"):
        load_run_config(
            base,
            TrainingConfig,
            ["fairness={sensitive: [region], metrics: [accuracy], max_disparity: {recall: {difference: 0.1}}}"],
        )
    with pytest.raises(ValidationError):
        Disparity()
