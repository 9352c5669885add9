"""The deployment pipeline for real: ZenML's BentoML deployer serving over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import psutil
import pytest

from conveyor.config import DeploymentConfig, load_run_config
from conveyor.errors import NoChampionError
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.launcher import step_output as output
from conveyor.platform.paths import project_root
from conveyor.platform.registry import load_version, set_champion
from conveyor.prediction_log.format import SYNTHETIC, default_path
from conveyor.prediction_log.reader import iter_records, read_features

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def services(model_name: str) -> list[Any]:
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = BentoMLModelDeployer.get_active_model_deployer()
    return [s for s in deployer.find_model_server() if s.config.model_name == model_name]


@pytest.fixture
def deployed_model(training_config: Any) -> Iterator[Any]:
    """A tiny training config; every service deployed for its model is stopped and deleted afterwards."""
    config = training_config()
    yield config
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = BentoMLModelDeployer.get_active_model_deployer()
    for service in services(config.model.name):
        deployer.stop_model_server(service.uuid, timeout=60)  # gracefully: BentoML ends its workers
        deployer.delete_model_server(service.uuid, timeout=60)


def deployment_config(model_name: str, port: int) -> DeploymentConfig:
    return load_run_config(
        project_root() / "configs/deployment.yaml",
        DeploymentConfig,
        [f"model.name={model_name}", f"service.port={port}", "parity_rows=16"],
    )


def test_no_champion_fails_with_what_to_run(local_stack: str) -> None:
    config = deployment_config("t-never-trained", free_port())
    one_message = (  # the one NoChampionError message: which model, and what to run
        r"model 't-never-trained' has no champion .*: "
        r"run the training pipeline first \(python run\.py --pipeline training\)"
    )
    with pytest.raises(NoChampionError, match=one_message):
        run_pipeline("deployment", config, no_cache=True)


def test_deploy_serve_log_replace_and_reuse(local_stack: str, deployed_model: Any) -> None:
    training = deployed_model
    name = training.model.name
    run_pipeline("training", training, no_cache=True)
    port = free_port()
    config = deployment_config(name, port)

    first = run_pipeline("deployment", config, no_cache=True)
    deployment = output(first, "deploy_service", "deployment")
    parity = output(first, "check_parity", "parity_report")
    assert deployment.outcome == "deployed"
    assert deployment.url == f"http://127.0.0.1:{port}"
    assert output(first, "import_model", "bento_model_tag") == f"{name}:v1"
    assert parity["problems"] == [] and parity["records"] == 16
    assert [s.is_running for s in services(name)] == [True]
    # Conveyor's service class (conveyor/compat/bento_deployer.py): ZenML 0.98's own cannot serve bentoml >= 1.4.16.
    assert [type(s).__name__ for s in services(name)] == ["ConveyorBentoMLLocalDeploymentService"]

    # The served predictions equal the registered version's, over real HTTP.
    record = {"tenure_months": 3.0, "monthly_charges": 99.5, "support_calls": 6.0, "age": 30.0,
              "contract": "month-to-month", "payment_method": "electronic-check", "region": "west"}
    answer = httpx.post(f"{deployment.url}/predict", json=record, timeout=30).json()
    model = load_version(local_stack, name, "1")
    expected = model.predict_proba(pd.DataFrame([record]))[0]
    assert answer["model_version"] == "1"
    assert answer["probabilities"] == pytest.approx(dict(zip(model.classes_, expected, strict=True)), abs=1e-12)
    assert httpx.post(f"{deployment.url}/predict", json={**record, "region": "mars"}, timeout=30).status_code == 400

    # The daemon writes the prediction log that the monitoring pipeline reads.
    deadline = time.monotonic() + 30
    while read_features(default_path(), version="1").empty and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not read_features(default_path(), version="1").empty
    # The parity check's records (16 in one batch, then 5 one by one) are logged as synthetic traffic.
    mine = [r for r in iter_records(default_path()) if r.get("model") == name]
    assert sum(r.get("traffic") == SYNTHETIC for r in mine) == 16 + 5
    assert sum(r.get("traffic") is None for r in mine) >= 1  # the /predict above

    # Deploying the same champion again reuses the running service.
    again = output(run_pipeline("deployment", config, no_cache=True), "deploy_service", "deployment")
    assert again.outcome == "reused"
    assert again.service_uuid == deployment.service_uuid

    # A stopped service (zenml model-deployer models stop) is started again by the next deployment.
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    BentoMLModelDeployer.get_active_model_deployer().stop_model_server(services(name)[0].uuid, timeout=60)
    assert [s.is_running for s in services(name)] == [False]
    restarted = output(run_pipeline("deployment", config, no_cache=True), "deploy_service", "deployment")
    assert restarted.outcome == "reused"
    assert [s.is_running for s in services(name)] == [True]

    # A new champion replaces it: one service, new version, same address.
    run_pipeline("training", training, no_cache=True)
    assert set_champion(local_stack, name, "2", expected_previous="1")
    replaced = output(run_pipeline("deployment", config, no_cache=True), "deploy_service", "deployment")
    assert replaced.outcome == "deployed"
    assert replaced.service_uuid != deployment.service_uuid
    assert [str(s.uuid) for s in services(name)] == [replaced.service_uuid]
    info = httpx.post(f"{replaced.url}/model_info", json={}, timeout=30).json()
    assert info["version"] == "2"
    assert info["bento_model_tag"] == f"{name}:v2"
    assert info["runtime"] == "onnx" and info["onnx"]["passed"], info["runtime_reason"]  # imported with its graph

    # `zenml model-deployer models delete -y` forces: SIGKILL to the daemon. Its BentoML workers go too,
    # and nothing answers on the port afterwards.
    service = services(name)[0]
    workers = psutil.Process(service.status.pid).children(recursive=True)
    assert workers, "the daemon serves through BentoML worker processes"
    BentoMLModelDeployer.get_active_model_deployer().delete_model_server(service.uuid, timeout=60, force=True)
    assert services(name) == []
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert alive == [], f"BentoML workers outlived the deleted service: {[p.pid for p in alive]}"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{replaced.url}/livez", timeout=5)


def test_a_container_bento_builds_offline_with_what_zenml_runs_it_with(local_stack: str, training_config: Any) -> None:
    """The part of a container deployment that needs no Docker: the Bento that `bentoml containerize` gets.

    ZenML's container service starts `python -m zenml.services.container.entrypoint` in the image, so
    the Bento must carry zenml (and its Docker client), and the service must bind every interface for
    Docker's published port to reach it. Running the image needs a Docker daemon, absent here.
    """
    import bentoml

    from conveyor.platform.registry import require_champion
    from conveyor.serving.bento_build import build
    from conveyor.serving.bento_model import import_champion
    from conveyor.serving.modes import CONTAINER_BIND_HOST, bento_packages, bento_settings

    config = training_config()
    run_pipeline("training", config, no_cache=True)
    served = import_champion(local_stack, require_champion(local_stack, config.model.name))
    settings = bento_settings(deployment_config(config.model.name, free_port()).parameters.service, "container")
    tag = build(served.tag, "container-check", settings.model_dump_json(), bento_packages("container"))

    bento = bentoml.bentos.get(tag)
    requirements = Path(bento.path_of("env/python/requirements.txt")).read_text().splitlines()
    assert set(bento_packages("container")) < set(requirements)
    assert "scikit-learn==1.9.1" in requirements  # bentofile.yaml's own packages are kept
    info = bento.info
    assert json.loads(info.args["settings"])["host"] == CONTAINER_BIND_HOST
    assert info.args["model_tag"] == served.tag
