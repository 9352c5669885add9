"""The promotion gate: does a challenger replace the champion? And what the promotion then did.

``GateDecision`` and ``Promotion`` are the training pipeline's typed step outputs (pydantic models, which
ZenML stores with its pydantic materializer and the dashboard shows); their field names are stable.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from conveyor.config import Gate
from conveyor.training.metrics import is_better


class GateDecision(BaseModel):
    """The verdict and everything it was based on."""

    model_config = ConfigDict(frozen=True)

    promote: bool
    reason: str
    metric: str
    challenger_version: str
    challenger: dict[str, float]
    champion_version: str | None = None
    champion: dict[str, float] | None = None
    min_improvement: float = 0.0
    failed_limits: list[str] = Field(default_factory=list)


class Promotion(BaseModel):
    """What the promote step did with the gate's verdict: ``promoted`` is True only if the alias moved."""

    model_config = ConfigDict(frozen=True)

    promoted: bool
    version: str  # the challenger's registry version
    reason: str


def decide(
    gate: Gate,
    metric: str,
    challenger_version: str,
    challenger: dict[str, float],
    champion_version: str | None,
    champion: dict[str, float] | None,
) -> GateDecision:
    """Promote only if every absolute limit holds and the challenger beats the champion by the margin."""
    failed: list[str] = []
    for name, limit in gate.limits.items():
        value = challenger.get(name)
        if value is None:
            failed.append(f"{name} was not computed")
        elif limit.min is not None and value < limit.min:
            failed.append(f"{name} {value:.4f} is below the minimum {limit.min}")
        elif limit.max is not None and value > limit.max:
            failed.append(f"{name} {value:.4f} is above the maximum {limit.max}")
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
