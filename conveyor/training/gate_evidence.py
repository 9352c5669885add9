"""What the gate weighs: each model's answers on a holdout, their metrics, and paired bootstrap intervals.

``baseline_for`` fits the trivial baseline on the split's train set; ``score_holdout`` asks each model once;
``weigh`` turns the answers into the gate's ``Evidence``: the task's metrics of every model, and the bootstrap
interval of the challenger's difference to the baseline and to the champion on this run's holdout, and to
the champion on the champion's own holdout. Every interval of one holdout comes from the same resamples,
drawn with the run's seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor

from conveyor.config import Gate
from conveyor.training.bootstrap import Answers, Interval, answers_of, bootstrap_scores, interval, oriented
from conveyor.training.gate import Evidence, HoldoutComparison
from conveyor.training.metrics import classification_metrics, regression_metrics

CHALLENGER, CHAMPION, BASELINE = "challenger", "champion", "baseline"


@dataclass(frozen=True)
class Scored:
    """One holdout's truth and each model's answers on it (``classes`` None: regression)."""

    y: np.ndarray
    classes: list[Any] | None
    answers: dict[str, Answers] = field(default_factory=dict)

    def metrics(self, name: str) -> dict[str, float]:
        """The task's metrics of model ``name``, as ``metrics.holdout_metrics`` computes them."""
        answer = self.answers[name]
        if self.classes is None:
            return regression_metrics(self.y, answer.predicted)
        return classification_metrics(self.y, answer.predicted, answer.proba, self.classes)

    def with_answers(self, name: str, answers: Answers) -> Scored:
        """This holdout with one more model's answers."""
        return replace(self, answers={**self.answers, name: answers})


@dataclass(frozen=True)
class ChampionHoldout:
    """The champion's own holdout, scored for the challenger and the champion (``scored`` None: same rows)."""

    run: str
    rows: int
    scored: Scored | None


def baseline_for(train_set: pd.DataFrame, target: str, task: str, metric: str, seed: int) -> Any:
    """The trivial baseline for ``metric``, fitted on the split's train set: a model that ignores the features.

    ``DummyClassifier(strategy="prior")`` (the majority class, and the class priors as probabilities: the best
    constant accuracy and log loss; every constant has ROC AUC 0.5) and ``DummyRegressor(strategy="mean")``,
    except where a constant does better on the metric than these and a noise model would beat them: binary
    F1 (the prior's majority class scores 0) compares with always answering the positive class, multiclass
    macro F1 with labels drawn at the class rates (seeded), and MAE and MAPE with the median.
    """
    x, y = train_set.drop(columns=[target]), train_set[target]
    if task == "regression":
        return DummyRegressor(strategy="median" if metric in ("mae", "mape") else "mean").fit(x, y)
    model = DummyClassifier(strategy="prior")
    if metric == "f1":
        labels = sorted(y.unique())
        model = (
            DummyClassifier(strategy="constant", constant=labels[1])
            if len(labels) == 2
            else DummyClassifier(strategy="stratified", random_state=seed)
        )
    return model.fit(x, y)


def describe(model: Any) -> str:
    """``DummyClassifier(strategy='prior')``: the baseline as the decision names it."""
    constant = f", constant={model.constant!r}" if model.strategy == "constant" else ""
    return f"{type(model).__name__}(strategy={model.strategy!r}{constant})"


def score_holdout(frame: pd.DataFrame, target: str, classes: list[Any] | None, models: dict[str, Any]) -> Scored:
    """Each model's answers on ``frame`` (its features; ``target`` is the truth), asked once."""
    x = frame.drop(columns=[target])
    return Scored(np.asarray(frame[target]), classes, {name: answers_of(m, x, classes) for name, m in models.items()})


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two holdouts hold the same rows in the same order (the index aside)."""
    return a.shape == b.shape and a.reset_index(drop=True).equals(b.reset_index(drop=True))


def _intervals(
    metric: str, gate: Gate, seed: int, scored: Scored, against: Sequence[str]
) -> tuple[dict[str, dict[str, float]], dict[str, Interval]]:
    """Every model's metrics on ``scored``, and the interval of the challenger against each of ``against``."""
    metrics = {name: scored.metrics(name) for name in scored.answers}
    scores = bootstrap_scores(metric, scored.y, scored.classes, scored.answers, gate.bootstrap, seed)
    intervals = {
        other: interval(
            metric,
            scores[CHALLENGER],
            scores[other],
            oriented(metric, metrics[CHALLENGER][metric] - metrics[other][metric]),
            gate.confidence,
        )
        for other in against
    }
    return metrics, intervals


def weigh(
    metric: str,
    gate: Gate,
    seed: int,
    scored: Scored,
    baseline_model: str,
    champion_holdout: ChampionHoldout | None = None,
    warnings: Sequence[str] = (),
) -> Evidence:
    """The gate's evidence from ``scored`` (answers of the challenger, the baseline, and the champion if any)."""
    has_champion = CHAMPION in scored.answers
    metrics, intervals = _intervals(metric, gate, seed, scored, [BASELINE, CHAMPION] if has_champion else [BASELINE])
    comparison = None
    if champion_holdout is not None and has_champion:
        if champion_holdout.scored is None:
            own, own_interval = metrics, intervals[CHAMPION]
        else:
            own, own_intervals = _intervals(metric, gate, seed, champion_holdout.scored, [CHAMPION])
            own_interval = own_intervals[CHAMPION]
        comparison = HoldoutComparison(
            run=champion_holdout.run,
            rows=champion_holdout.rows,
            same_as_this_run=champion_holdout.scored is None,
            challenger=own[CHALLENGER],
            champion=own[CHAMPION],
            interval=own_interval,
        )
    return Evidence(
        challenger=metrics[CHALLENGER],
        champion=metrics.get(CHAMPION),
        baseline_model=baseline_model,
        baseline=metrics[BASELINE],
        baseline_interval=intervals[BASELINE],
        interval=intervals.get(CHAMPION),
        champion_holdout=comparison,
        warnings=list(warnings),
        confidence=gate.confidence,
        resamples=gate.bootstrap,
        seed=seed,
    )
