"""Selection picks the real best; the gate promotes only a real improvement that passes every limit."""

from __future__ import annotations

import pandas as pd

from conveyor.config import Gate
from conveyor.training.gate import decide
from conveyor.training.selection import best_candidate, rank


def test_best_wins_even_when_it_is_not_last() -> None:
    board = pd.DataFrame({"candidate": ["a", "b", "c"], "cv_roc_auc": [0.7, 0.9, 0.8]})
    assert best_candidate(board, "roc_auc") == "b"
    assert list(rank(board, "roc_auc")["candidate"]) == ["b", "c", "a"]


def test_lower_is_better_for_log_loss() -> None:
    board = pd.DataFrame({"candidate": ["a", "b", "c"], "cv_log_loss": [0.5, 0.3, 0.4]})
    assert best_candidate(board, "log_loss") == "b"


def test_ties_keep_config_order() -> None:
    board = pd.DataFrame({"candidate": ["first", "second"], "cv_accuracy": [0.8, 0.8]})
    assert best_candidate(board, "accuracy") == "first"


GATE = Gate.model_validate({"min_improvement": 0.01, "limits": {"accuracy": {"min": 0.7}, "log_loss": {"max": 0.6}}})


def test_first_model_is_promoted_when_it_passes_the_limits() -> None:
    decision = decide(GATE, "accuracy", "1", {"accuracy": 0.8, "log_loss": 0.5}, None, None)
    assert decision.promote
    assert "no current champion" in decision.reason


def test_limits_block_promotion_even_without_a_champion() -> None:
    decision = decide(GATE, "accuracy", "1", {"accuracy": 0.6, "log_loss": 0.9}, None, None)
    assert not decision.promote
    assert len(decision.failed_limits) == 2


def test_challenger_must_beat_the_champion_by_the_margin() -> None:
    champion = {"accuracy": 0.80, "log_loss": 0.5}
    assert not decide(GATE, "accuracy", "2", {"accuracy": 0.805, "log_loss": 0.5}, "1", champion).promote
    assert not decide(GATE, "accuracy", "2", {"accuracy": 0.70, "log_loss": 0.5}, "1", champion).promote
    better = decide(GATE, "accuracy", "2", {"accuracy": 0.82, "log_loss": 0.5}, "1", champion)
    assert better.promote
    assert better.champion_version == "1"


def test_margin_direction_for_lower_is_better_metrics() -> None:
    champion = {"accuracy": 0.8, "log_loss": 0.50}
    assert decide(GATE, "log_loss", "2", {"accuracy": 0.8, "log_loss": 0.45}, "1", champion).promote
    assert not decide(GATE, "log_loss", "2", {"accuracy": 0.8, "log_loss": 0.495}, "1", champion).promote


def test_lower_rmse_wins_the_selection() -> None:
    board = pd.DataFrame({"candidate": ["a", "b", "c"], "cv_rmse": [55.0, 51.0, 53.0]})
    assert best_candidate(board, "rmse") == "b"


REGRESSION_GATE = Gate.model_validate({"min_improvement": 1.0, "limits": {"r2": {"min": 0.2}}})


def test_regression_gate_counts_the_margin_in_the_errors_direction() -> None:
    champion = {"rmse": 52.0, "r2": 0.45}
    assert decide(REGRESSION_GATE, "rmse", "2", {"rmse": 50.9, "r2": 0.5}, "1", champion).promote
    assert not decide(REGRESSION_GATE, "rmse", "2", {"rmse": 51.5, "r2": 0.5}, "1", champion).promote  # < margin
    assert not decide(REGRESSION_GATE, "rmse", "2", {"rmse": 60.0, "r2": 0.3}, "1", champion).promote  # worse
    floor = decide(REGRESSION_GATE, "rmse", "2", {"rmse": 40.0, "r2": 0.1}, "1", champion)
    assert not floor.promote and floor.failed_limits
    # r2 is better when larger: the margin goes the other way
    assert decide(REGRESSION_GATE, "r2", "2", {"rmse": 50.0, "r2": 1.5}, "1", {"rmse": 52.0, "r2": 0.45}).promote
    assert not decide(REGRESSION_GATE, "r2", "2", {"rmse": 50.0, "r2": 0.9}, "1", {"rmse": 52.0, "r2": 0.45}).promote
