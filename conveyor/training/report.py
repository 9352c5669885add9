"""A finished training run's verdict as files: the model card, the gate decision, the promotion and a summary.

``python run.py --pipeline training --report DIR`` writes them (the train workflow uploads them as job artifacts
and appends ``summary.md`` to the job summary). A challenger that the gate refused is a verdict, not a failure:
its summary's heading says "kept the champion"; a promoted one's says "promoted version N".
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from conveyor.names import Artifact
from conveyor.platform.launcher import step_output
from conveyor.training.gate import GateDecision, Promotion

logger = logging.getLogger(__name__)

# The files of a report, in the order the summary lists them.
CARD_FILE = "model_card.md"
DECISION_FILE = "gate_decision.json"
PROMOTION_FILE = "promotion.json"
SUMMARY_FILE = "summary.md"
KEPT = "kept the champion"


def _value(metrics: dict[str, float] | None, name: str) -> str:
    value = (metrics or {}).get(name)
    return "–" if value is None else f"{value:.4f}"


def summary(model_name: str, run_name: str, decision: GateDecision, promotion: Promotion) -> str:
    """The verdict in Markdown: a heading that says it, the reason, and both models' holdout metrics."""
    champion = decision.champion_version
    if promotion.promoted:
        heading = f"promoted version {promotion.version}"
        before = f"it replaced version {champion}" if champion else "there was no champion before"
        verdict = f"version {promotion.version} is the champion now ({before})."
    else:
        heading = KEPT
        stays = f"the champion stays version {champion}" if champion else "there is no champion yet"
        verdict = f"challenger version {promotion.version} was not promoted; {stays}."
    columns = [f"challenger (v{decision.challenger_version})"]
    if decision.champion is not None:
        columns.append(f"champion (v{champion})")
    lines = [
        f"## Training: {heading}",
        "",
        f"Model `{model_name}`, run `{run_name}`: {verdict}",
        "",
        f"Reason: {promotion.reason}",
        "",
        f"Gate metric: `{decision.metric}`. Holdout metrics:",
        "",
        "| metric | " + " | ".join(columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for name in sorted({*decision.challenger, *(decision.champion or {})}):
        values = [_value(decision.challenger, name)]
        if decision.champion is not None:
            values.append(_value(decision.champion, name))
        lines.append(f"| {name} | " + " | ".join(values) + " |")
    lines += ["", f"Files: `{CARD_FILE}`, `{DECISION_FILE}`, `{PROMOTION_FILE}`."]
    return "\n".join(lines) + "\n"


def write_report(run: Any, model_name: str, folder: Path) -> Path:
    """Write the report of the finished training ``run`` into ``folder`` (created); return the summary's path."""
    decision: GateDecision = step_output(run, "gate_model", Artifact.GATE_DECISION)
    promotion: Promotion = step_output(run, "promote_model", Artifact.PROMOTION)
    card = step_output(run, "model_card", Artifact.MODEL_CARD)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CARD_FILE).write_text(str(card))
    (folder / DECISION_FILE).write_text(decision.model_dump_json(indent=2) + "\n")
    (folder / PROMOTION_FILE).write_text(promotion.model_dump_json(indent=2) + "\n")
    path = folder / SUMMARY_FILE
    path.write_text(summary(model_name, run.name, decision, promotion))
    logger.info("Training report of run %s written to %s", run.name, folder)
    return path
