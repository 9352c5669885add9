"""The rollback pipeline for real: MLflow alias and ZenML stage move together, a running service follows.

- Two trained champions; a rollback to a chosen version, then back to the previous champion (the default):
  alias and stage together, tags on both versions, the promotion history, run.py --status and the card;
  a service deployed by the deployment pipeline follows the first rollback over real HTTP.
- Bad input stops before any alias moves.
- Rollbacks racing a promotion in separate processes leave the registry consistent: alias == ZenML stage,
  and the history is one gap-free chain with every move in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mlflow
import pytest
from zenml.client import Client

from conveyor.cli import main
from conveyor.config import RollbackConfig, load_run_config
from conveyor.errors import RollbackError
from conveyor.names import PRODUCTION_STAGE, MlflowTag
from conveyor.platform.history import PromotionEvent, promotion_history
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.paths import project_root
from conveyor.platform.registry import (
    ensure_experiment,
    get_champion,
    linked_zenml_version_id,
    set_champion,
    set_production_stage,
)
from conveyor.platform.rollback import plan_rollback
from conveyor.serving.bento_model import MODEL_CARD_FILE, run_artifact_text
from conveyor.serving.redeploy import OUTCOME_KEY
from tests.integration.test_deployment import deployment_config, free_port, services

pytestmark = pytest.mark.slow

ONE_CANDIDATE = ["candidates.random_forest=null", "candidates.hist_gradient_boosting=null"]  # logistic regression
# A deliberately weaker first champion: one informative feature, and no absolute limits to pass.
WEAK = [*ONE_CANDIDATE, "features.numeric=[]", "features.categorical=[contract]", "validation.columns={}",
        "gate.limits={}"]


def registry_state(uri: str, name: str) -> tuple[str | None, list[int]]:
    """The version carrying the alias, and the ZenML model versions in stage production."""
    champion = get_champion(uri, name)
    production = Client().list_model_versions(model=name, stage=PRODUCTION_STAGE)
    return (champion.version if champion else None), sorted(v.number for v in production)


def zenml_number(uri: str, name: str, version: str) -> int:
    tags = mlflow.MlflowClient(tracking_uri=uri).get_model_version(name, version).tags
    return Client().get_model_version(name, linked_zenml_version_id(tags)).number


def version_tag(uri: str, name: str, version: str, tag: MlflowTag) -> PromotionEvent:
    return PromotionEvent.model_validate_json(
        mlflow.MlflowClient(tracking_uri=uri).get_model_version(name, version).tags[tag]
    )


def rollback_config(name: str, *overrides: str) -> RollbackConfig:
    return load_run_config(project_root() / "configs/rollback.yaml", RollbackConfig, [f"model.name={name}", *overrides])


def model_info(url: str) -> dict[str, Any]:
    return httpx.post(f"{url}/model_info", json={}, timeout=30).json()


@pytest.fixture
def stop_services(training_config: Any) -> Iterator[str]:
    """The model name of this test's training configs; its services are stopped and deleted afterwards."""
    name = training_config().model.name
    yield name
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = BentoMLModelDeployer.get_active_model_deployer()
    for service in services(name):
        deployer.stop_model_server(service.uuid, timeout=60)
        deployer.delete_model_server(service.uuid, timeout=60)


def test_rollback_to_a_chosen_version_and_back_moves_alias_stage_history_and_the_service(
    local_stack: str, training_config: Any, stop_services: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uri, name = local_stack, stop_services
    run_pipeline("training", training_config(*WEAK), no_cache=True)
    better = run_pipeline("training", training_config(*ONE_CANDIDATE), no_cache=True)
    assert output(better, "promote_model", "promotion").promoted, "the run with every feature must be promoted"
    assert registry_state(uri, name) == ("2", [zenml_number(uri, name, "2")])

    # Bad input stops before anything moves, saying what to do instead.
    for to_version, words in ((7, "has no version 7"), (2, "already the champion")):
        with pytest.raises(RollbackError, match=words):
            plan_rollback(uri, name, to_version, None)
    with pytest.raises(RollbackError, match="is not registered"):
        plan_rollback(uri, "t-never-registered", None, None)
    assert main(["--pipeline", "rollback", "--set", f"model.name={name}", "--set", "to_version=2"]) == 2
    assert "already the champion" in capsys.readouterr().err
    assert registry_state(uri, name)[0] == "2" and len(promotion_history(uri, name)) == 2

    # A service of the champion, deployed by the deployment pipeline.
    deployed = output(
        run_pipeline("deployment", deployment_config(name, free_port()), no_cache=True), "deploy_service", "deployment"
    )
    assert model_info(deployed.url)["version"] == "2"

    # Roll back to a chosen version: MLflow and ZenML move together, and the running service follows.
    reason = "version 2 answers worse on live traffic"
    first = run_pipeline("rollback", rollback_config(name, "to_version=1", f"reason={reason}"), no_cache=True)
    rollback = output(first, "rollback_champion", "rollback")
    assert (rollback.from_version, rollback.to_version, rollback.reason) == ("2", "1", reason)
    assert registry_state(uri, name) == ("1", [zenml_number(uri, name, "1")])
    event = promotion_history(uri, name)[-1]
    assert (event.kind, event.from_version, event.to_version, event.zenml_run) == ("rollback", "2", "1", first.name)
    assert version_tag(uri, name, "2", MlflowTag.ROLLED_BACK) == event  # on the version it left
    assert version_tag(uri, name, "1", MlflowTag.RESTORED) == event  # on the new champion
    redeployment = Client().get_pipeline_run(first.id).run_metadata[OUTCOME_KEY]
    assert (redeployment["action"], redeployment["url"]) == ("redeployed", deployed.url)
    assert model_info(deployed.url)["version"] == "1"  # same address, the rolled-back-to version
    assert [str(s.uuid) for s in services(name)] == [redeployment["service"]]

    # Back to the previous champion (the default), with no service running: nothing to redeploy.
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    BentoMLModelDeployer.get_active_model_deployer().stop_model_server(services(name)[0].uuid, timeout=60)
    back = run_pipeline("rollback", rollback_config(name), no_cache=True)
    assert output(back, "rollback_champion", "rollback").to_version == "2"
    assert registry_state(uri, name) == ("2", [zenml_number(uri, name, "2")])
    assert Client().get_pipeline_run(back.id).run_metadata[OUTCOME_KEY]["action"] == "none"

    history = promotion_history(uri, name)
    assert [(e.seq, e.kind, e.from_version, e.to_version) for e in history] == [
        (1, "promotion", None, "1"), (2, "promotion", "1", "2"), (3, "rollback", "2", "1"), (4, "rollback", "1", "2"),
    ]
    assert history[3].reason == "manual rollback" and history[3].zenml_run == back.name
    assert history[1].zenml_run == better.name and history[1].reason  # the gate's reason
    assert version_tag(uri, name, "1", MlflowTag.ROLLED_BACK) == history[3]

    # run.py --status (JSON and text) and the champion's model card show the history.
    assert main(["--status", "--json", "--set", f"model.name={name}"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["models"][0]["history"] == [e.model_dump() for e in history]
    assert main(["--status", "--set", f"model.name={name}"]) == 0
    text = capsys.readouterr().out
    assert text.index("#4 ") < text.index("#3 ") and f"rollback 2 -> 1: {reason} ({first.name})" in text
    run_id = mlflow.MlflowClient(tracking_uri=uri).get_model_version(name, "2").run_id
    card = run_artifact_text(uri, run_id, MODEL_CARD_FILE) or ""
    assert "## Promotion history" in card and f"| 4 | {history[3].at} | rollback | 1 | 2 |" in card

    # A version whose run or model is gone is refused before anything moves.
    client = mlflow.MlflowClient(tracking_uri=uri)
    no_run = client.create_model_version(name, source="file:///nonexistent/model").version
    no_model = client.create_model_version(name, source="file:///nonexistent/model", run_id=run_id).version
    with pytest.raises(RollbackError, match="has no live MLflow run"):
        plan_rollback(uri, name, int(no_run), None)
    with pytest.raises(RollbackError, match="cannot be loaded"):
        plan_rollback(uri, name, int(no_model), None)
    assert len(promotion_history(uri, name)) == 4


# Imports and first connections happen before "ready", so the racers start together when "go" appears.
WARM_UP = textwrap.dedent(
    """
    def warm_up(uri, name):
        import mlflow.sklearn
        from zenml.client import Client
        from conveyor.platform.registry import get_champion, load_version

        Client().active_stack_model
        load_version(uri, name, get_champion(uri, name).version)
    """
)

# Rounds of "roll back to the previous champion" (each plan checked outside the lease, then moved under it),
# as the rollback pipeline's two steps do; a plan that went stale meanwhile is refused, never applied.
ROLLBACKS = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from conveyor.errors import RollbackError
    from conveyor.platform.rollback import execute_rollback, plan_rollback

    uri, name, go, rounds = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    warm_up(uri, name)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    for i in range(rounds):
        try:
            done = execute_rollback(uri, plan_rollback(uri, name, None, f"racer round {i}"), zenml_run=None)
        except RollbackError as exc:
            print(json.dumps({"refused": str(exc)}), flush=True)
        else:
            print(json.dumps({"moved": [done.from_version, done.to_version]}), flush=True)
    """
)

# A promotion as the training pipeline's promote step makes it: against the champion its gate compared with.
PROMOTION = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from conveyor.platform.registry import get_champion, set_champion, set_production_stage

    uri, name, go, version, zenml_id = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]
    warm_up(uri, name)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.01)
    time.sleep(0.5)  # among the rollbacks
    for attempt in range(30):
        gated = get_champion(uri, name).version
        time.sleep(0.2)  # the gate's time
        if set_champion(uri, name, version, gated, on_promoted=lambda: set_production_stage(name, zenml_id),
                        kind="promotion", reason="racing promotion", zenml_run=None):
            print(json.dumps({"moved": [gated, version]}), flush=True)
            break
        print(json.dumps({"refused": "stale gate"}), flush=True)
    """
)


def register_versions(uri: str, name: str, count: int) -> dict[str, str]:
    """``count`` loadable registry versions of a tiny model, each linked to a ZenML model version: {version: id}."""
    import pandas as pd
    import sklearn
    from sklearn.dummy import DummyClassifier

    ensure_experiment(uri, name)
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(name)
    client, zen = mlflow.MlflowClient(tracking_uri=uri), Client()
    zen.create_model(name=name)
    x = pd.DataFrame({"age": [30.0, 40.0, 50.0, 60.0]})
    linked = {}
    for _ in range(count):
        with mlflow.start_run():
            info = mlflow.sklearn.log_model(
                DummyClassifier().fit(x, ["no", "yes", "no", "yes"]), name="model", registered_model_name=name,
                serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,  # as Conveyor stores models
                pip_requirements=[f"scikit-learn=={sklearn.__version__}"],
            )
        version = str(info.registered_model_version)
        zen_version = zen.create_model_version(model_name_or_id=name)
        tag = f"{name}:{zen_version.number} ({zen_version.id})"
        client.set_model_version_tag(name, version, MlflowTag.ZENML_MODEL_VERSION, tag)
        linked[version] = str(zen_version.id)
    return linked


def test_rollbacks_racing_a_promotion_leave_alias_stage_and_history_consistent(
    local_stack: str, tmp_path: Path
) -> None:
    uri, name = local_stack, "t-rollback-race"
    linked = register_versions(uri, name, 3)
    for version, previous in (("1", None), ("2", "1")):  # two champions before the race
        assert set_champion(uri, name, version, previous, on_promoted=lambda v=version: set_production_stage(
            name, linked[v]), kind="promotion", reason="set up")

    go, rounds = tmp_path / "go", 3

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", code, *args], cwd=project_root(), env=dict(os.environ),
                                text=True, stdout=subprocess.PIPE)

    racers = [start(WARM_UP + ROLLBACKS, uri, name, str(go), str(rounds)) for _ in range(2)]
    racers.append(start(WARM_UP + PROMOTION, uri, name, str(go), "3", linked["3"]))
    for racer in racers:
        assert racer.stdout is not None and racer.stdout.readline().strip() == "ready"
    go.touch()
    reports = [racer.communicate(timeout=300)[0] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0, 0], reports
    results = [[json.loads(line) for line in text.splitlines() if line.startswith("{")] for text in reports]
    moves = [[tuple(r["moved"]) for r in process if "moved" in r] for process in results]
    assert len(moves[2]) == 1 and moves[2][0][1] == "3", reports  # the promotion landed once
    moved = [move for process in moves for move in process]

    history = promotion_history(uri, name)
    # No lost or doubled event: the set-up moves, then exactly the moves the racers reported, numbered 1..n.
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert sorted((e.from_version, e.to_version) for e in history[2:]) == sorted(moved)
    assert sum(e.kind == "promotion" for e in history[2:]) == 1
    # One chain: every move starts where the one before it ended, and the alias is where the last one ended.
    for before, after in zip(history, history[1:], strict=False):
        assert after.from_version == before.to_version, history
    champion, production = registry_state(uri, name)
    assert champion == history[-1].to_version
    assert production == [Client().get_model_version(name, linked[champion]).number]
