"""What the train workflow runs, as it runs it: ``run.py --pipeline training --report DIR``, then
``scripts/build_bento.py``. A refused challenger exits 0 with "kept the champion" in its summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conveyor.cli import main
from conveyor.training.gate import GateDecision, Promotion
from conveyor.training.report import CARD_FILE, DECISION_FILE, PROMOTION_FILE, SUMMARY_FILE
from tests.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow

MODEL = "t-training-report"
TRAIN = ["--pipeline", "training", *(w for o in [*TINY_TRAINING, f"model.name={MODEL}"] for w in ("--set", o))]


def _report(folder: Path) -> tuple[str, GateDecision, Promotion]:
    assert {p.name for p in folder.iterdir()} == {CARD_FILE, DECISION_FILE, PROMOTION_FILE, SUMMARY_FILE}
    decision = GateDecision.model_validate(json.loads((folder / DECISION_FILE).read_text()))
    promotion = Promotion.model_validate(json.loads((folder / PROMOTION_FILE).read_text()))
    return (folder / SUMMARY_FILE).read_text(), decision, promotion


def test_the_report_says_the_verdict_and_the_champions_bento_builds(
    local_stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import bentoml

    from scripts.build_bento import main as build_bento

    assert main([*TRAIN, "--report", str(tmp_path / "first")]) == 0
    summary, decision, promotion = _report(tmp_path / "first")
    assert summary.startswith(f"## Training: promoted version {promotion.version}\n")
    assert promotion.promoted and decision.promote and decision.champion_version is None
    assert f"Model `{MODEL}`" in summary and "there was no champion before" in summary
    assert f"| {decision.metric} | {decision.challenger[decision.metric]:.4f} |" in summary
    card = (tmp_path / "first" / CARD_FILE).read_text()
    assert f"version {promotion.version}" in card and "Gate decision" in card

    # The same data again cannot beat the champion by 0.5: refused, and still a success.
    assert main([*TRAIN, "--set", "gate.min_improvement=0.5", "--report", str(tmp_path / "second")]) == 0
    summary, decision, again = _report(tmp_path / "second")
    assert summary.startswith("## Training: kept the champion\n")
    assert not again.promoted and not decision.promote
    assert decision.champion_version == promotion.version and again.version != promotion.version
    assert f"the champion stays version {promotion.version}" in summary
    assert again.reason in summary
    assert f"| champion (v{promotion.version}) |" in summary

    capsys.readouterr()
    archive = tmp_path / "dist" / "conveyor.bento"
    assert build_bento(["--set", f"model.name={MODEL}", "--export", str(archive)]) == 0
    tag = capsys.readouterr().out.strip()
    assert tag.startswith(f"conveyor:v{promotion.version}-") and archive.is_file()
    assert [str(m.tag) for m in bentoml.bentos.get(tag).info.all_models] == [f"{MODEL}:v{promotion.version}"]
