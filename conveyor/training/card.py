"""Model cards: one markdown page per registered version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from conveyor.config import CardSection, Explain
from conveyor.features.schema import task_of
from conveyor.names import Artifact
from conveyor.platform.history import PromotionEvent
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.explain import scored_rows
from conveyor.training.fairness import markdown as fairness_markdown
from conveyor.training.gate import GateDecision, Promotion

# What the card says for a `model.card` key the run config leaves out: it never invents the text.
NOT_STATED = "not stated"
IMPORTANCE_CHART_FILE = "importance_chart.png"  # beside the card in the MLflow run's artifacts


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "_none_\n"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(r.get(h, "")) for h in header) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _target(schema: dict[str, Any], data: dict[str, Any]) -> str:
    if task_of(schema) == "regression":
        low, high = data["range"]["train"]
        return f"Regression of target `{schema['target']}` (training values {low:g} .. {high:g})."
    balance = data["balance"]
    return (
        f"Target `{schema['target']}` with classes {', '.join(schema['classes'])}.\n"
        f"Class balance: training set {balance['train']}; holdout {balance['holdout']}."
    )


def _stated(text: str | None) -> str:
    return text.strip() if text and text.strip() else f"_{NOT_STATED}_"


def _importance(table: pd.DataFrame | None, metric: str, explain: Explain, data: dict[str, Any]) -> str:
    if table is None:
        return "## Feature importance\n_not computed_\n"
    rows = [
        {**r, "importance_mean": f"{r['importance_mean']:.4f}", "importance_std": f"{r['importance_std']:.4f}"}
        for r in table.to_dict(orient="records")
    ]
    return f"""## Feature importance
Permutation importance on {scored_rows(data["holdout_rows"], explain)} holdout rows ({explain.n_repeats} \
shuffles per feature, seed {data["seed"]}): how much `{metric}` worsens when one input column is shuffled.
A categorical feature counts once, however many one-hot columns it becomes; near zero means the model does
not rely on the feature (on this holdout).

{_table(rows)}
Chart: the `{Artifact.IMPORTANCE_CHART}` artifact in the dashboard, and `{IMPORTANCE_CHART_FILE}` beside this card
in the MLflow run's artifacts.
"""


def _gate_evidence(decision: GateDecision) -> str:
    """The gate's bootstrap intervals (challenger minus other, larger is better) and the baseline, if recorded."""
    lines = []
    if decision.baseline_interval is not None:
        b = decision.baseline_interval
        lines.append(
            f"Trivial baseline {decision.baseline_model}: `{decision.baseline}`; the challenger's "
            f"`{decision.metric}` gain over it {b.point:+.4f}, interval {b.low:+.4f} .. {b.high:+.4f}."
        )
    if decision.interval is not None:
        i = decision.interval
        lines.append(f"Gain over the champion {i.point:+.4f}, interval {i.low:+.4f} .. {i.high:+.4f}.")
    if decision.champion_holdout is not None:
        h = decision.champion_holdout
        lines.append(
            f"On the champion's own holdout (run {h.run}, {h.rows} rows): gain {h.interval.point:+.4f}, "
            f"interval {h.interval.low:+.4f} .. {h.interval.high:+.4f}."
        )
    if lines and decision.confidence is not None:
        lines.append(
            f"Intervals at {decision.confidence:.0%} confidence, {decision.resamples} paired bootstrap resamples "
            f"(seed {decision.seed})."
        )
    return "\n".join(lines)


def _fairness(decision: GateDecision) -> str:
    report = decision.fairness
    if report is None or not report.sensitive:
        return "## Fairness\n_not assessed: set `parameters.fairness` to compare groups_\n"
    by = ", ".join(report.sensitive)
    tables = fairness_markdown(report)
    return f"## Fairness\nPer-group metrics on the holdout (Fairlearn's MetricFrame) by {by}.\n\n{tables}\n"


def _fairness_limitation(decision: GateDecision) -> str:
    report = decision.fairness
    if report is None or not report.sensitive:
        return "The model has not been checked for fairness across groups; do that before using it on people."
    return (
        f"Fairness was checked only across {', '.join(report.sensitive)} and only for "
        f"{', '.join(report.metrics)}; other groups and metrics were not."
    )


def _runtime(report: dict[str, Any] | None) -> str:
    if report is None:
        return "## Serving runtime\n_not compiled_\n"
    if report["runtime"] == "onnx":
        rows = " and ".join(f"{n} {name} rows" for name, n in report["rows"].items())
        return (
            f"## Serving runtime\n**ONNX Runtime** (`service.runtime: auto`): compiled by {report['converter']} in "
            f"{report['precision']} precision; on {rows} its labels equal scikit-learn's and its largest difference "
            f"is {report['max_diff']:.3g} (tolerance {report['tolerance']:g})."
            + (f" Its trees run in {report['tree_blocks']} blocks, summed." if report.get("tree_blocks") else "")
            + "\n"
        )
    return (
        "## Serving runtime\n**scikit-learn** (the service falls back from ONNX): "
        f"{report['reason']}.\n"
    )


def render_card(
    registered: RegisteredVersion,
    metrics: dict[str, Any],
    decision: GateDecision,
    promotion: Promotion,
    leaderboard: pd.DataFrame,
    schema: dict[str, Any],
    data: dict[str, Any],
    *,
    about: CardSection | None = None,
    importance: pd.DataFrame | None = None,
    explain: Explain | None = None,
    onnx: dict[str, Any] | None = None,
) -> str:
    """The card: what the model is for, what it was trained on, how good it is, why, and whether it serves.

    ``about`` is the run config's ``model.card`` (keys left out read "not stated"); ``importance`` is the
    ``feature_importance`` table, computed with ``explain`` on ``data["holdout_rows"]`` holdout rows; ``onnx`` is
    the compile step's parity report (which runtime serves the model, and why).
    """
    about = about or CardSection()
    features = [
        {
            "feature": f["name"],
            "kind": f["kind"],
            "range or categories": (
                f"{f.get('min')} .. {f.get('max')}" if f["kind"] == "numeric" else ", ".join(f.get("categories", []))
            ),
            "missing allowed": "yes" if f["nullable"] else "no",
        }
        for f in schema["features"]
    ]
    dropped = ("mlflow_run_id", "best_params", "train_balance", "holdout_balance")  # the balance is under Data
    board = leaderboard.drop(columns=[c for c in dropped if c in leaderboard])
    status = (
        "**champion** (MLflow alias `champion`, ZenML stage `production`)" if promotion.promoted else "not promoted"
    )
    return f"""# Model card: {registered.name} version {registered.version}

Candidate **{registered.candidate}**; ZenML model version {registered.zenml_model_version};
MLflow run `{registered.run_id}`. Status: {status}.
Owner: {_stated(about.owner)}.

## Intended use
{_stated(about.intended_use)}

## Data
Source: `{data["source"]}`, seed {data["seed"]}, {data["rows"]} training rows.
{_target(schema, data)}

## Features
{_table(features)}
## Holdout metrics
{_table([metrics])}
{_importance(importance, decision.metric, explain or Explain(), data)}
## Candidates (best first)
{_table(board.to_dict(orient="records"))}
## Gate decision
Verdict: **{"promote" if decision.promote else "keep the champion"}**. {promotion.reason}

Challenger: `{decision.challenger}`; champion (version {decision.champion_version}): `{decision.champion}`;
minimum improvement {decision.min_improvement} on `{decision.metric}`.
{_gate_evidence(decision)}

{_fairness(decision)}
{_runtime(onnx)}
## Limitations
{_stated(about.limitations)}

Known from how it was trained:
- Trained on the data above only; inputs outside the listed ranges or categories are extrapolation
  (unknown categories are ignored by the one-hot encoder, not rejected by the model itself).
- Metrics come from one holdout split; small test sets make them noisy.
- {_fairness_limitation(decision)}

## Ethical considerations
{_stated(about.ethical_considerations)}
"""


HISTORY_HEADING = "## Promotion history"
HISTORY_ROWS = 20  # the newest moves a card lists; run.py --status --json lists them all


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def history_section(events: Sequence[PromotionEvent]) -> str:
    """The card's promotion-history section: the newest moves of the model's champion alias, newest first."""
    rows = [
        {
            "#": e.seq,
            "at (UTC)": e.at,
            "kind": e.kind,
            "from": e.from_version or "-",
            "to": e.to_version,
            "reason": _cell(e.reason or "-"),
            "ZenML run": e.zenml_run or "-",
        }
        for e in reversed(events[-HISTORY_ROWS:])
    ]
    shown = f" (the newest {HISTORY_ROWS} of {len(events)})" if len(events) > HISTORY_ROWS else ""
    return (
        f"{HISTORY_HEADING}\n"
        f"Every move of the MLflow alias `champion` (and the ZenML stage `production`) of this model{shown}, "
        "as recorded when this card was written.\n\n"
        f"{_table(rows)}"
    )


def with_history(card: str, events: Sequence[PromotionEvent]) -> str:
    """``card`` with its promotion-history section replaced by the current one (appended if it has none)."""
    head, found, rest = card.partition(HISTORY_HEADING)
    if not found:
        return f"{card.rstrip()}\n\n{history_section(events)}"
    after = rest.find("\n## ")
    tail = rest[after + 1 :] if after >= 0 else ""
    return f"{head}{history_section(events)}" + (f"\n{tail}" if tail else "")
