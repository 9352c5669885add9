"""The promotion gate: does a challenger replace the champion? And what the promotion then did.

``GateDecision`` and ``Promotion`` are the training pipeline's typed step outputs (pydantic models, which
ZenML stores with its pydantic materializer and the dashboard shows); their field names are stable, and
fields added later have defaults, so decisions stored before them still load.

The gate promotes only when every rule holds, checked in this order (the first that fails is the reason):

1. every absolute limit in ``gate.limits`` holds on this run's holdout (point estimates);
2. the challenger beats the trivial baseline (``DummyClassifier`` prior / ``DummyRegressor`` mean, fitted on
   this split's train set) on the selection metric with ``gate.confidence``: the lower end of the paired
   bootstrap interval of the difference is above 0. A first champion is promoted once 1 and 2 hold;
3. it beats the champion on this run's holdout by ``min_improvement``: on the point estimates
   (``decide``) and with ``gate.confidence`` (the interval's lower end is at least ``min_improvement``);
4. on the champion's own holdout (the ``test_set`` of the run that trained it) it is not worse beyond the
   margin: it is refused when, with ``gate.confidence``, it is worse there by more than ``min_improvement``
   (the interval's upper end is below ``-min_improvement``). That holdout may overlap the challenger's
   training rows or come from data that has since moved, so it can veto a regression but proves no gain.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from conveyor.config import Gate
from conveyor.training.bootstrap import Interval
from conveyor.training.fairness import FairnessReport
from conveyor.training.metrics import is_better


class HoldoutComparison(BaseModel):
    """Challenger and champion on the champion's own holdout (the ``test_set`` of the run that trained it)."""

    model_config = ConfigDict(frozen=True)

    run: str  # the ZenML pipeline run that trained the champion
    rows: int
    same_as_this_run: bool  # the same rows as this run's holdout (same data and seed): the same numbers
    challenger: dict[str, float]
    champion: dict[str, float]
    interval: Interval  # challenger - champion on the selection metric, larger is better


class GateDecision(BaseModel):
    """The verdict and every number it was based on."""

    model_config = ConfigDict(frozen=True)

    promote: bool
    reason: str
    metric: str
    challenger_version: str
    challenger: dict[str, float]  # this run's holdout
    champion_version: str | None = None
    champion: dict[str, float] | None = None  # this run's holdout
    min_improvement: float = 0.0
    failed_limits: list[str] = Field(default_factory=list)
    confidence: float | None = None
    resamples: int | None = None  # paired bootstrap resamples of each holdout
    seed: int | None = None  # the run's seed, which drew the resamples
    baseline_model: str | None = None  # e.g. DummyClassifier(strategy='prior'), fitted on this split's train set
    baseline: dict[str, float] | None = None  # the baseline's metrics on this run's holdout
    baseline_interval: Interval | None = None  # challenger - baseline on the selection metric
    interval: Interval | None = None  # challenger - champion on this run's holdout
    champion_holdout: HoldoutComparison | None = None
    warnings: list[str] = Field(default_factory=list)
    fairness: FairnessReport | None = None  # per-group metrics of both models when parameters.fairness is set


class Promotion(BaseModel):
    """What the promote step did with the gate's verdict: ``promoted`` is True only if the alias moved."""

    model_config = ConfigDict(frozen=True)

    promoted: bool
    version: str  # the challenger's registry version
    reason: str


class Evidence(BaseModel):
    """The bootstrap's numbers for ``decide_with_confidence`` (``gate_evidence.weigh`` computes them)."""

    model_config = ConfigDict(frozen=True)

    challenger: dict[str, float]
    champion: dict[str, float] | None = None
    baseline_model: str
    baseline: dict[str, float]
    baseline_interval: Interval
    interval: Interval | None = None  # None when there is no champion
    champion_holdout: HoldoutComparison | None = None
    warnings: list[str] = Field(default_factory=list)
    confidence: float
    resamples: int
    seed: int


def decide(
    gate: Gate,
    metric: str,
    challenger_version: str,
    challenger: dict[str, float],
    champion_version: str | None,
    champion: dict[str, float] | None,
) -> GateDecision:
    """The point-estimate rules (1, and 3 on point estimates): every absolute limit holds and the challenger
    beats the champion by the margin. The gate step applies them with the rest in ``decide_with_confidence``."""
    failed: list[str] = []
    for name, limit in gate.limits.items():
        value = challenger.get(name)
        if value is None:
            failed.append(f"{name} was not computed")
        elif (broken := limit.breach(value)) is not None:
            failed.append(f"{name} {value:.4f} is {broken}")
    common = {
        "metric": metric,
        "challenger_version": challenger_version,
        "challenger": challenger,
        "champion_version": champion_version,
        "champion": champion,
        "min_improvement": gate.min_improvement,
        "failed_limits": failed,
    }
    if failed:
        return GateDecision(promote=False, reason="failed absolute limits: " + "; ".join(failed), **common)
    if champion is None:
        return GateDecision(promote=True, reason="no current champion; the challenger passes every limit", **common)
    new, old = challenger[metric], champion[metric]
    if is_better(metric, new, old, gate.min_improvement):
        reason = f"{metric} {new:.4f} beats the champion's {old:.4f} by at least {gate.min_improvement}"
        return GateDecision(promote=True, reason=reason, **common)
    reason = f"{metric} {new:.4f} does not beat the champion's {old:.4f} by the required {gate.min_improvement}"
    return GateDecision(promote=False, reason=reason, **common)


def _bounds(interval: Interval) -> str:
    return (
        f"{interval.point:+.4f} ({interval.low:+.4f} .. {interval.high:+.4f} at {interval.confidence:.0%} "
        f"confidence, {interval.resamples} paired bootstrap resamples)"
    )


def _verdict(gate: Gate, metric: str, point: GateDecision, evidence: Evidence) -> tuple[bool, str]:
    """Rules 2-4 of the module docstring, after ``decide``'s rule 1 held: (promote, reason)."""
    margin = gate.min_improvement
    over_baseline = evidence.baseline_interval
    score = evidence.baseline.get(metric, math.nan)
    baseline = f"the trivial baseline {evidence.baseline_model} ({metric} {score:.4f})"
    if over_baseline.low <= 0.0:
        return False, (
            f"did not beat {baseline} with {over_baseline.confidence:.0%} confidence: the challenger's {metric} "
            f"gain over it is {_bounds(over_baseline)}, and its lower end is not above 0"
        )
    beats_baseline = f"beats {baseline} by {_bounds(over_baseline)}"
    if evidence.interval is None:
        return True, f"no current champion; the challenger passes every limit and {beats_baseline}"
    gain = evidence.interval
    if gain.low < margin or not point.promote:
        why = "the challenger is worse" if gain.high < 0 else "the difference is within the holdout's noise"
        return False, (
            f"{metric} gain over the champion {_bounds(gain)} is not at least the required {margin} with "
            f"{gain.confidence:.0%} confidence; {why}"
        )
    reason = f"{metric} beats the champion by {_bounds(gain)}, at least {margin}; it {beats_baseline}"
    old = evidence.champion_holdout
    if old is not None and not old.same_as_this_run:
        if old.interval.high < -margin:
            return False, (
                f"{metric} is worse than the champion on the champion's own holdout (run {old.run}, {old.rows} "
                f"rows) by {_bounds(old.interval)}, beyond the margin {margin}"
            )
        reason += f"; on the champion's own holdout (run {old.run}) the difference is {_bounds(old.interval)}"
    return True, reason


def decide_with_confidence(
    gate: Gate, metric: str, challenger_version: str, champion_version: str | None, evidence: Evidence
) -> GateDecision:
    """The gate's verdict by every rule of the module docstring, recording every number it used."""
    point = decide(gate, metric, challenger_version, evidence.challenger, champion_version, evidence.champion)
    promote, reason = (False, point.reason) if point.failed_limits else _verdict(gate, metric, point, evidence)
    if evidence.warnings:
        reason += " (" + "; ".join(evidence.warnings) + ")"
    numbers = evidence.model_dump(exclude={"challenger", "champion"})
    return GateDecision.model_validate({**point.model_dump(), **numbers, "promote": promote, "reason": reason})


def with_fairness(decision: GateDecision, report: FairnessReport) -> GateDecision:
    """``decision`` with the fairness tables recorded; a challenger that broke a disparity limit is refused."""
    if not report.sensitive:
        return decision
    if not report.violations:
        return decision.model_copy(update={"fairness": report})
    reason = "fails its fairness limits: " + "; ".join(report.violations)
    if not decision.promote:
        reason += f"; and {decision.reason}"
    return decision.model_copy(update={"fairness": report, "promote": False, "reason": reason})
