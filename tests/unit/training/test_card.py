"""The model card's own text (model.card) and its feature-importance section."""

from __future__ import annotations

import pandas as pd

from conveyor.config import CardSection, Explain
from conveyor.platform.versions import RegisteredVersion
from conveyor.training.card import IMPORTANCE_CHART_FILE, NOT_STATED, render_card
from conveyor.training.gate import GateDecision, Promotion

REGISTERED = RegisteredVersion(
    name="churn",
    version="3",
    run_id="abc",
    model_uri="models:/churn/3",
    candidate="random_forest",
    zenml_model_version=3,
    zenml_model_version_id="id",
)
DECISION = GateDecision(
    promote=True, reason="no champion yet", metric="roc_auc", challenger_version="3", challenger={"roc_auc": 0.8}
)
PROMOTION = Promotion(promoted=True, version="3", reason="first champion")
SCHEMA = {
    "target": "churned",
    "task": "classification",
    "classes": ["no", "yes"],
    "features": [{"name": "tenure", "kind": "numeric", "min": 0, "max": 72, "nullable": False}],
}
DATA = {"source": {"kind": "churn", "rows": 400}, "seed": 42, "rows": 300, "holdout_rows": 100}
DATA["balance"] = {"train": "no 70.0%, yes 30.0%", "holdout": "no 70.0%, yes 30.0%"}
LEADERBOARD = pd.DataFrame([{"rank": 1, "candidate": "random_forest", "cv_roc_auc": 0.8}])
IMPORTANCE = pd.DataFrame(
    [
        {"rank": 1, "feature": "tenure", "importance_mean": 0.123456, "importance_std": 0.01},
        {"rank": 2, "feature": "region", "importance_mean": -0.0005, "importance_std": 0.002},
    ]
)


def _card(**extra) -> str:
    return render_card(REGISTERED, {"roc_auc": 0.8}, DECISION, PROMOTION, LEADERBOARD, SCHEMA, DATA, **extra)


def _section(card: str, title: str) -> str:
    return card.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_keys_left_out_read_not_stated() -> None:
    card = _card(about=CardSection(), importance=IMPORTANCE, explain=Explain())
    assert _section(card, "Intended use").strip() == f"_{NOT_STATED}_"
    assert _section(card, "Ethical considerations").strip() == f"_{NOT_STATED}_"
    assert _section(card, "Limitations").startswith(f"_{NOT_STATED}_")
    assert f"Owner: _{NOT_STATED}_." in card
    assert _card(importance=IMPORTANCE, explain=Explain()) == card  # no about: the same as an empty model.card


def test_the_configured_text_is_shown_as_written() -> None:
    about = CardSection(
        intended_use="Rank customers for a retention call.",
        limitations="Synthetic data only.",
        ethical_considerations="Age is a feature.",
        owner="growth team",
    )
    card = _card(about=about, importance=IMPORTANCE, explain=Explain())
    assert _section(card, "Intended use").strip() == "Rank customers for a retention call."
    assert _section(card, "Limitations").startswith("Synthetic data only.")
    assert "one holdout split" in _section(card, "Limitations")  # what training knows stays below the stated text
    assert _section(card, "Ethical considerations").strip() == "Age is a feature."
    assert "Owner: growth team." in card
    assert NOT_STATED not in card


def test_the_importance_table_and_chart_reference() -> None:
    section = _section(_card(importance=IMPORTANCE, explain=Explain(n_repeats=7, max_rows=50)), "Feature importance")
    assert "50 holdout rows (7 shuffles per feature, seed 42)" in section
    assert "`roc_auc` worsens" in section
    assert "| 1 | tenure | 0.1235 | 0.0100 |" in section
    assert "| 2 | region | -0.0005 | 0.0020 |" in section
    assert "importance_chart" in section and IMPORTANCE_CHART_FILE in section


def test_without_an_importance_table_the_section_says_so() -> None:
    assert _section(_card(), "Feature importance").strip() == "_not computed_"
