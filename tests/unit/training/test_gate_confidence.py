"""The gate's confidence rules on synthetic predictions: the bootstrap, the baseline, the champion's holdout."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from conveyor.config import Gate
from conveyor.training.bootstrap import Answers, answers_of, bootstrap_scores, resample_scores
from conveyor.training.gate import GateDecision, decide, decide_with_confidence
from conveyor.training.gate_evidence import (
    BASELINE,
    CHALLENGER,
    CHAMPION,
    ChampionHoldout,
    Scored,
    baseline_for,
    describe,
    weigh,
)
from conveyor.training.metrics import classification_metrics, regression_metrics

CLASSES = ["no", "yes"]
GATE = Gate.model_validate({"min_improvement": 0.01, "bootstrap": 400})


def labels(n: int, seed: int, rate: float = 0.4) -> np.ndarray:
    return np.where(np.random.default_rng(seed).random(n) < rate, "yes", "no")


def answers(predicted: np.ndarray) -> Answers:
    """Labels with confident probabilities that agree with them."""
    p = np.where(predicted == "yes", 0.8, 0.2)
    return Answers(predicted, np.c_[1 - p, p])


def flipped(y: np.ndarray, rows: Any) -> np.ndarray:
    out = y.copy()
    out[rows] = np.where(out[rows] == "yes", "no", "yes")
    return out


def baseline_answers(y_train: np.ndarray, n: int, metric: str = "f1") -> tuple[str, Answers]:
    train = pd.DataFrame({"x": np.zeros(len(y_train)), "y": y_train})
    model = baseline_for(train, "y", "classification", metric, seed=0)
    return describe(model), answers_of(model, pd.DataFrame({"x": np.zeros(n)}), CLASSES)


def judge(
    y: np.ndarray,
    challenger: Answers,
    champion: Answers | None,
    gate: Gate = GATE,
    metric: str = "f1",
    seed: int = 42,
    **extra: Any,
) -> GateDecision:
    name, baseline = baseline_answers(labels(400, seed=99), len(y), metric)
    models = {CHALLENGER: challenger, BASELINE: baseline} | ({CHAMPION: champion} if champion else {})
    evidence = weigh(metric, gate, seed, Scored(y, CLASSES, models), name, **extra)
    return decide_with_confidence(gate, metric, "2", "1" if champion else None, evidence)


def test_the_resample_metric_is_the_holdout_metric_on_the_whole_holdout() -> None:
    rng = np.random.default_rng(0)
    whole = np.arange(300)[None, :]
    for classes in (CLASSES, ["a", "b", "c"]):
        y = rng.choice(classes, 300)
        proba = rng.dirichlet(np.ones(len(classes)), 300)
        given = Answers(np.asarray(classes)[proba.argmax(axis=1)], proba)
        expected = classification_metrics(y, given.predicted, given.proba, classes)
        for metric in ("accuracy", "f1", "roc_auc", "log_loss"):
            assert resample_scores(metric, y, given, classes, whole)[0] == pytest.approx(expected[metric], abs=1e-6)
    truth = rng.normal(100, 20, 300)
    predicted = Answers(truth + rng.normal(0, 10, 300))
    expected = regression_metrics(truth, predicted.predicted)
    for metric in ("rmse", "mae", "r2", "mape"):
        assert resample_scores(metric, truth, predicted, None, whole)[0] == pytest.approx(expected[metric], abs=1e-6)


def test_resamples_are_paired_and_seeded() -> None:
    y = labels(300, seed=1)
    a, b = answers(flipped(y, slice(0, 60))), answers(flipped(y, slice(30, 80)))
    first = bootstrap_scores("f1", y, CLASSES, {"a": a, "b": b}, 300, seed=7)
    again = bootstrap_scores("f1", y, CLASSES, {"a": a, "b": b}, 300, seed=7)
    other = bootstrap_scores("f1", y, CLASSES, {"a": a, "b": b}, 300, seed=8)
    assert np.array_equal(first["a"], again["a"]) and np.array_equal(first["b"], again["b"])
    assert not np.array_equal(first["a"], other["a"])
    same = bootstrap_scores("f1", y, CLASSES, {"a": a, "also a": a}, 300, seed=7)
    assert np.array_equal(same["a"], same["also a"])  # one draw of rows for every model: paired


def test_the_same_seed_gives_the_same_interval() -> None:
    y = labels(300, seed=2)
    champion = answers(flipped(y, slice(0, 60)))
    challenger = answers(flipped(y, slice(0, 50)))
    first, again = judge(y, challenger, champion), judge(y, challenger, champion)
    assert first.interval == again.interval and first.baseline_interval == again.baseline_interval
    assert judge(y, challenger, champion, seed=43).interval != first.interval


def test_a_gain_inside_the_bootstrap_interval_is_not_promoted() -> None:
    y = labels(300, seed=3)
    wrong = np.random.default_rng(3).choice(300, 60, replace=False)
    champion = flipped(y, wrong)
    missed = [i for i in wrong if y[i] == "yes"]
    challenger = champion.copy()
    challenger[missed[:3]] = "yes"  # three more churners found: a real but tiny gain
    decision = judge(y, answers(challenger), answers(champion))
    assert decide(GATE, "f1", "2", decision.challenger, "1", decision.champion).promote  # the point estimates would
    assert decision.interval is not None
    assert decision.interval.low < GATE.min_improvement <= decision.interval.point
    assert not decision.promote
    assert "not at least the required 0.01 with 95% confidence" in decision.reason


def test_a_clearly_better_challenger_is_promoted() -> None:
    y = labels(300, seed=4)
    wrong = np.random.default_rng(4).choice(300, 60, replace=False)
    champion, challenger = flipped(y, wrong), flipped(y, wrong[:20])
    decision = judge(y, answers(challenger), answers(champion))
    assert decision.promote, decision.reason
    assert decision.interval is not None and decision.interval.low >= GATE.min_improvement
    assert decision.interval.confidence == 0.95 and decision.interval.resamples == 400 and decision.seed == 42
    assert decision.champion is not None and decision.challenger["f1"] > decision.champion["f1"]


def test_a_first_champion_must_beat_the_dummy_baseline() -> None:
    y = labels(300, seed=5)
    noise = answers(labels(300, seed=6))  # answers that know nothing about y
    refused = judge(y, noise, None, gate=GATE.model_copy(update={"limits": {}}))
    assert not refused.promote and refused.champion_version is None
    assert "did not beat the trivial baseline DummyClassifier(strategy='constant', constant='yes')" in refused.reason
    assert refused.baseline_interval is not None and refused.baseline_interval.low <= 0
    # The prior's majority class ("no") has F1 0, which noise beats: F1 compares with always answering "yes".
    prior_f1 = classification_metrics(y, np.full(300, "no"), np.tile([0.6, 0.4], (300, 1)), CLASSES)["f1"]
    assert refused.challenger["f1"] > prior_f1 == 0.0
    assert refused.baseline is not None and refused.baseline["f1"] > refused.challenger["f1"] - 0.05

    good = judge(y, answers(flipped(y, slice(0, 30))), None)
    assert good.promote and good.reason.startswith("no current champion")
    assert good.baseline_interval is not None and good.baseline_interval.low > 0


@pytest.mark.parametrize("metric", ["roc_auc", "log_loss", "accuracy"])
def test_the_prior_baseline_is_beaten_only_by_a_model_that_knows_something(metric: str) -> None:
    y = labels(200, seed=7)
    gate = GATE.model_copy(update={"bootstrap": 100})  # these metrics are scored one resample at a time
    rng = np.random.default_rng(8)
    noise = rng.random(200)
    knows = np.clip((y == "yes") * 0.5 + rng.random(200) * 0.5, 0.01, 0.99)
    for scores, promoted in ((noise, False), (knows, True)):
        given = Answers(np.where(scores > 0.5, "yes", "no"), np.c_[1 - scores, scores])
        decision = judge(y, given, None, gate=gate, metric=metric)
        assert decision.promote is promoted, decision.reason
        assert decision.baseline_model == "DummyClassifier(strategy='prior')"
    assert decision.baseline is not None
    if metric == "roc_auc":  # a constant ranks no pair: 0.5 on every resample, and the interval still works
        assert decision.baseline["roc_auc"] == 0.5
        assert decision.baseline_interval is not None and decision.baseline_interval.low > 0


def test_lower_is_better_metrics_are_oriented() -> None:
    rng = np.random.default_rng(9)
    truth = rng.normal(100, 20, 200)
    champion = Answers(truth + rng.normal(0, 10, 200))
    challenger = Answers(truth + rng.normal(0, 5, 200))
    train = pd.DataFrame({"x": np.zeros(300), "y": rng.normal(100, 20, 300)})
    baseline = baseline_for(train, "y", "regression", "rmse", seed=0)
    models = {CHALLENGER: challenger, BASELINE: answers_of(baseline, pd.DataFrame({"x": np.zeros(200)}), None)}
    scored = Scored(truth, None, models | {CHAMPION: champion})
    gate = Gate.model_validate({"min_improvement": 1.0})
    evidence = weigh("rmse", gate, 1, scored, describe(baseline))
    assert evidence.interval is not None and evidence.interval.low > 1.0  # rmse fell: a positive gain
    assert decide_with_confidence(gate, "rmse", "2", "1", evidence).promote
    assert describe(baseline_for(train, "y", "regression", "mae", seed=0)) == "DummyRegressor(strategy='median')"
    swapped = weigh("rmse", gate, 1, Scored(truth, None, models | {CHALLENGER: champion, CHAMPION: challenger}), "")
    assert swapped.interval is not None and swapped.interval.high < 0
    assert "the challenger is worse" in decide_with_confidence(gate, "rmse", "2", "1", swapped).reason


def test_a_challenger_worse_on_the_champions_own_holdout_is_refused() -> None:
    y, old_y = labels(300, seed=10), labels(300, seed=11)
    wrong = np.random.default_rng(10).choice(300, 60, replace=False)
    champion, challenger = flipped(y, wrong), flipped(y, wrong[:20])
    worse_there = Scored(
        old_y, CLASSES, {CHALLENGER: answers(flipped(old_y, slice(0, 90))), CHAMPION: answers(flipped(old_y, [0]))}
    )
    there = ChampionHoldout("run-1", 300, worse_there)
    refused = judge(y, answers(challenger), answers(champion), champion_holdout=there)
    assert not refused.promote and "worse than the champion on the champion's own holdout (run run-1" in refused.reason
    assert refused.champion_holdout is not None and refused.champion_holdout.interval.high < 0
    assert refused.champion_holdout.challenger["f1"] < refused.champion_holdout.champion["f1"]

    same = judge(y, answers(challenger), answers(champion), champion_holdout=ChampionHoldout("run-1", 300, None))
    assert same.promote and same.champion_holdout is not None and same.champion_holdout.same_as_this_run
    assert same.champion_holdout.interval == same.interval

    unknown = judge(y, answers(challenger), answers(champion), warnings=["the champion's own holdout is not compared"])
    assert unknown.promote and unknown.champion_holdout is None
    assert unknown.warnings and "not compared" in unknown.reason


def test_limits_still_come_first() -> None:
    y = labels(300, seed=12)
    strict = Gate.model_validate({"min_improvement": 0.01, "bootstrap": 400, "limits": {"f1": {"min": 0.99}}})
    decision = judge(y, answers(flipped(y, slice(0, 30))), None, gate=strict)
    assert not decision.promote and decision.failed_limits and decision.reason.startswith("failed absolute limits")
    assert decision.baseline_interval is not None  # the numbers are recorded even when a limit decided


def test_gate_config_defaults_and_bounds() -> None:
    gate = Gate.model_validate({"min_improvement": 0.0})
    assert (gate.confidence, gate.bootstrap) == (0.95, 1000)
    for bad in ({"confidence": 1.0}, {"confidence": 0.3}, {"bootstrap": 10}):
        with pytest.raises(ValidationError):
            Gate.model_validate({"min_improvement": 0.0, **bad})
