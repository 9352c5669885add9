"""Model cards: one markdown page per registered version."""

from __future__ import annotations

from typing import Any

import pandas as pd

from conveyor.features.schema import task_of
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.gate import GateDecision, Promotion


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


def render_card(
    registered: RegisteredVersion,
    metrics: dict[str, Any],
    decision: GateDecision,
    promotion: Promotion,
    leaderboard: pd.DataFrame,
    schema: dict[str, Any],
    data: dict[str, Any],
) -> str:
    """The card: what the model is, what it was trained on, how good it is, and whether it serves."""
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

## Data
Source: `{data["source"]}`, seed {data["seed"]}, {data["rows"]} training rows.
{_target(schema, data)}

## Features
{_table(features)}
## Holdout metrics
{_table([metrics])}
## Candidates (best first)
{_table(board.to_dict(orient="records"))}
## Gate decision
Verdict: **{"promote" if decision.promote else "keep the champion"}**. {promotion.reason}

Challenger: `{decision.challenger}`; champion (version {decision.champion_version}): `{decision.champion}`;
minimum improvement {decision.min_improvement} on `{decision.metric}`.

## Limitations
- Trained on the data above only; inputs outside the listed ranges or categories are extrapolation
  (unknown categories are ignored by the one-hot encoder, not rejected by the model itself).
- Metrics come from one holdout split; small test sets make them noisy.
- The model has not been checked for fairness across groups; do that before using it on people.
"""
