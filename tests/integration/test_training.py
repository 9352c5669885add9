"""The training pipeline for real: local ZenML store and orchestrator, MLflow on SQLite, tiny data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
import pytest
from PIL import Image
from zenml.client import Client

from conveyor.errors import DataValidationError
from conveyor.names import CHAMPION_ALIAS, PRODUCTION_STAGE, MlflowTag
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.status import status
from conveyor.platform.versions import RegisteredVersion
from conveyor.serving.bento_model import MODEL_CARD_FILE, run_artifact_text
from conveyor.training.card import IMPORTANCE_CHART_FILE
from conveyor.training.data import generate_churn
from conveyor.training.gate import GateDecision, Promotion

pytestmark = pytest.mark.slow

# Per-group metrics by region; the limit is there to be reported, not to bite.
FAIR = "fairness={sensitive: [region], metrics: [recall, selection_rate], max_disparity: {recall: {difference: 1.0}}}"

# The last candidate is deliberately weak, so "the last one wins" would fail these tests.
WEAK_LAST = "candidates.hist_gradient_boosting.search={max_iter: [1], learning_rate: [0.01], max_leaf_nodes: [2]}"


def champion_version(uri: str, name: str) -> str | None:
    client = mlflow.MlflowClient(tracking_uri=uri)
    try:
        return str(client.get_model_version_by_alias(name, CHAMPION_ALIAS).version)
    except mlflow.exceptions.MlflowException:
        return None


def production_version(name: str) -> int | None:
    versions = Client().list_model_versions(model=name, stage=PRODUCTION_STAGE)
    return versions[0].number if len(versions) else None


def test_best_candidate_wins_and_a_rerun_is_identical_and_not_promoted(local_stack: str, training_config: Any) -> None:
    config = training_config(WEAK_LAST, "gate.min_improvement=0.001")
    first = run_pipeline("training", config, no_cache=True)

    leaderboard = output(first, "select_best", "leaderboard")
    best = output(first, "select_best", "best_candidate")
    top = leaderboard.loc[leaderboard["cv_roc_auc"].idxmax(), "candidate"]
    assert best == top == leaderboard.loc[0, "candidate"]
    assert best != "hist_gradient_boosting"
    assert list(leaderboard["rank"]) == [1, 2, 3]

    registered = output(first, "register_model", "registered_version")
    assert isinstance(registered, RegisteredVersion)  # typed outputs: ZenML's pydantic materializer stores them
    assert isinstance(output(first, "gate_model", "gate_decision"), GateDecision)
    assert isinstance(output(first, "promote_model", "promotion"), Promotion)
    assert output(first, "promote_model", "promotion").promoted is True
    assert champion_version(local_stack, config.model.name) == registered.version
    assert production_version(config.model.name) == registered.zenml_model_version
    mv = mlflow.MlflowClient(tracking_uri=local_stack).get_model_version(config.model.name, registered.version)
    assert mv.tags[MlflowTag.ZENML_MODEL_VERSION].startswith(f"{config.model.name}:")
    zen_version = Client().get_model_version(config.model.name, registered.zenml_model_version)
    assert zen_version.run_metadata["mlflow"]["version"] == registered.version
    assert {f["name"] for f in zen_version.run_metadata["feature_schema"]["features"]} == set(
        config.parameters.features.all
    )
    assert "Gate decision" in str(output(first, "model_card", "model_card"))
    # Explanations and the card's own text: the same card in the dashboard and beside the model in MLflow.
    importance = output(first, "explain_model", "feature_importance")
    assert sorted(importance["feature"]) == sorted(config.parameters.features.all)  # input columns, not one-hot
    assert isinstance(output(first, "explain_model", "importance_chart"), Image.Image)
    stored = run_artifact_text(local_stack, registered.run_id, MODEL_CARD_FILE)
    assert stored == str(output(first, "model_card", "model_card"))
    assert config.model.card.intended_use in stored
    assert f"| 1 | {importance.loc[0, 'feature']} |" in stored.split("## Feature importance", 1)[1]
    beside = {a.path for a in mlflow.MlflowClient(tracking_uri=local_stack).list_artifacts(registered.run_id)}
    assert {MODEL_CARD_FILE, IMPORTANCE_CHART_FILE} <= beside
    # Compiled at registration: the graph and its parity report beside the model, the runtime on the version.
    parity = output(first, "compile_model", "onnx_parity")
    assert parity["runtime"] == "onnx" and parity["max_diff"] <= parity["tolerance"], parity
    compiled = {a.path for a in mlflow.MlflowClient(tracking_uri=local_stack).list_artifacts(registered.run_id, "onnx")}
    assert compiled == {"onnx/model.onnx", "onnx/parity.json"}
    assert mv.tags[MlflowTag.RUNTIME] == "onnx"
    assert "## Serving runtime\n**ONNX Runtime**" in stored

    second = run_pipeline("training", config, no_cache=True)
    assert output(second, "evaluate_model", "holdout_metrics") == output(first, "evaluate_model", "holdout_metrics")
    pd.testing.assert_frame_equal(
        output(second, "select_best", "leaderboard").drop(columns=["mlflow_run_id", "fit_seconds"]),
        leaderboard.drop(columns=["mlflow_run_id", "fit_seconds"]),
    )
    decision = output(second, "gate_model", "gate_decision")
    assert decision.promote is False
    assert decision.champion_version == registered.version
    assert decision.challenger == decision.champion
    assert output(second, "promote_model", "promotion").promoted is False
    assert champion_version(local_stack, config.model.name) == registered.version
    assert production_version(config.model.name) == registered.zenml_model_version


def test_worse_challenger_is_rejected_and_champion_unchanged(local_stack: str, training_config: Any) -> None:
    good = training_config(FAIR)
    first = run_pipeline("training", good, no_cache=True)
    champion = output(first, "register_model", "registered_version").version
    # The champion's per-group metrics: in the gate decision, as a dashboard table, and in the card.
    fairness = output(first, "gate_model", "gate_decision").fairness
    assert fairness.sensitive == ["region"] and fairness.violations == [] and fairness.champion is None
    groups = {g["group"] for g in fairness.challenger[0].groups}
    holdout = output(first, "split_data", "test_set")
    assert groups == set(holdout["region"].astype(object).where(holdout["region"].notna(), "(missing)").astype(str))
    table = output(first, "assess_fairness", "fairness_table")
    assert set(table["column"]) == {"region"} and {"recall", "selection_rate"} <= set(table.columns)
    card = str(output(first, "model_card", "model_card"))
    for heading in ("## Intended use", "## Feature importance", "## Fairness", "## Limitations"):
        assert heading in card
    assert "| group | rows | recall | selection_rate |" in card.split("## Fairness", 1)[1]

    # Same data and holdout, but only a feature that carries no signal.
    worse = training_config("features={numeric: [], categorical: [region]}", "validation.columns={}")
    second = run_pipeline("training", worse, no_cache=True)
    decision = output(second, "gate_model", "gate_decision")
    assert decision.promote is False
    assert decision.fairness is None or not decision.fairness.sensitive  # this config sets no fairness
    assert decision.challenger["roc_auc"] < decision.champion["roc_auc"]
    assert decision.failed_limits, "a noise-only model must also fail the absolute floor"
    assert champion_version(local_stack, good.model.name) == champion
    assert (
        production_version(good.model.name)
        == output(first, "register_model", "registered_version").zenml_model_version
    )
    report = status(good.model.name)
    assert report["stack"]["name"] == "conveyor-local"
    assert report["production"]["version"] == champion
    listed = {m["model"]: m for m in report["models"]}
    assert listed[good.model.name]["champion"]["version"] == champion
    assert listed[good.model.name]["versions"] >= 2
    assert [m["model"] for m in status(good.model.name, only=True)["models"]] == [good.model.name]


def test_bad_data_lists_every_violation_and_registers_nothing(
    local_stack: str, training_config: Any, tmp_path: Path
) -> None:
    frame = generate_churn(300, seed=1)
    frame.loc[:9, "tenure_months"] = -5.0  # below the minimum
    frame.loc[:5, "contract"] = "lifetime"  # not an allowed category
    frame = frame.drop(columns=["region"])  # a feature is missing
    frame.loc[:100, "age"] = None  # far too many missing values
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    no_such_column = "fairness={sensitive: [gender], metrics: [recall]}"  # a sensitive column need not be a feature
    config = training_config("data={kind: csv, path: " + str(path) + "}", no_such_column)

    with pytest.raises(DataValidationError) as failure:
        run_pipeline("training", config, no_cache=True)

    text = "\n".join(failure.value.violations)
    assert len(failure.value.violations) == 5
    for needle in ("tenure_months", "contract", "region", "age", "fairness.sensitive: column 'gender'"):
        assert needle in text
    client = mlflow.MlflowClient(tracking_uri=local_stack)
    assert client.search_model_versions(f"name='{config.model.name}'") == []
    assert len(Client().list_models(name=config.model.name)) == 0


def test_multiclass_with_integer_labels(local_stack: str, training_config: Any) -> None:
    config = training_config(
        base="configs/training_iris.yaml",
    )
    run = run_pipeline("training", config, no_cache=True)
    metrics = output(run, "evaluate_model", "holdout_metrics")
    assert set(metrics) == {"accuracy", "f1", "log_loss", "roc_auc"}
    assert metrics["accuracy"] > 0.8
    assert output(run, "register_model", "feature_schema")["classes"] == ["0", "1", "2"]
    assert output(run, "promote_model", "promotion").promoted is True


def test_a_challenger_beyond_a_disparity_limit_is_kept_out_naming_the_group_and_metric(
    local_stack: str, training_config: Any
) -> None:
    """A first model that beats the baseline and passes its limits, but not an (impossible) fairness limit."""
    strict = "fairness={sensitive: [region], metrics: [recall], max_disparity: {recall: {difference: 0.0}}}"
    config = training_config(strict)
    run = run_pipeline("training", config, no_cache=True)
    decision = output(run, "gate_model", "gate_decision")
    assert decision.promote is False and decision.failed_limits == []
    assert decision.reason.startswith("fails its fairness limits: region: recall differs by")
    assert "group '" in decision.reason and "max_disparity.recall.difference 0.0" in decision.reason
    assert decision.fairness.violations and decision.fairness.challenger[0].column == "region"
    assert output(run, "promote_model", "promotion").promoted is False
    assert champion_version(local_stack, config.model.name) is None

