"""`run.py --pipeline all` for real, on tiny data: train, serve, shifted traffic, monitoring, retraining."""

from __future__ import annotations

import json
import pathlib
import socket
from collections.abc import Iterator

import pytest

from conveyor.config import DemoConfig, load_run_config
from conveyor.platform.launcher import run_pipeline
from conveyor.platform.paths import project_root
from conveyor.platform.registry import get_champion
from tests.conftest import TINY_TRAINING

pytestmark = pytest.mark.slow

MODEL = "t-demo-churn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def stop_services(local_stack: str) -> Iterator[None]:
    """Every service deployed for the demo's model is stopped, then deleted (deleting alone can orphan a worker)."""
    yield
    from zenml.integrations.bentoml.model_deployers import BentoMLModelDeployer

    deployer = BentoMLModelDeployer.get_active_model_deployer()
    for service in deployer.find_model_server():
        if service.config.model_name == MODEL:
            deployer.stop_model_server(service.uuid, timeout=60)
            deployer.delete_model_server(service.uuid, timeout=60)


def test_the_whole_loop_detects_the_shift_and_retrains(
    local_stack: str, stop_services: None, tmp_path: pathlib.Path
) -> None:
    # A log (and labels log beside it) of its own: other tests of this session post to the default one.
    log = tmp_path / "predictions.jsonl"
    stages = {
        "training.overrides": TINY_TRAINING,
        "deployment.overrides": [f"service.port={free_port()}", "parity_rows=16", f"service.prediction_log.path={log}"],
        "monitoring.overrides": ["policy=retrain", "thresholds.min_rows=100"],
    }
    config = load_run_config(
        project_root() / "configs/all.yaml",
        DemoConfig,
        [
            f"model.name={MODEL}",
            *(f"{key}={json.dumps(value)}" for key, value in stages.items()),
            "traffic.rows=300",
            "labelled.rows=300",
        ],
    )
    summary = run_pipeline("all", config, no_cache=True)

    assert summary["training"].promoted is True
    first = summary["training"].version
    assert summary["deployment"].version == first
    assert summary["traffic"]["records"] == 300 and summary["traffic"]["labels"] == 150  # feedback: 0.5
    performance = summary["performance"]  # scored on exactly the labels that came back through /feedback
    assert performance.labelled_rows == 150 and performance.labels.unmatched == 0
    assert performance.status in ("ok", "degraded") and set(performance.metrics) >= {"accuracy", "f1"}
    assert summary["monitoring"]["status"] == "drift" and summary["monitoring"]["current_rows"] == 300
    assert {"tenure_months", "monthly_charges", "support_calls"} <= set(summary["monitoring"]["drifted_columns"])
    action = summary["action"]
    assert action["action"] == "retrained"
    champion = get_champion(local_stack, MODEL)
    assert champion is not None
    if action["promoted"]:
        assert champion.version == action["challenger_version"] == summary["redeployment"].version
    else:
        assert champion.version == first and "redeployment" not in summary
