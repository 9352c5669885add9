"""The service under test: service.py serving a tiny churn model saved under TAG (shared by the service tests)."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from conveyor.config import Features
from conveyor.features.requests import example_record
from conveyor.platform.paths import project_root

TAG = "svc-test-churn:v7"
FEATURES = Features(
    numeric=["tenure_months", "monthly_charges", "support_calls", "age"],
    categorical=["contract", "payment_method", "region"],
)


@pytest.fixture(scope="session")
def service(state_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """service.py serving a tiny churn model saved under TAG, with an `age` that may be missing."""
    from conveyor.features.schema import feature_schema
    from conveyor.serving.bento_model import save_served_model
    from conveyor.training.data import generate_churn
    from conveyor.training.models import build_pipeline

    frame = generate_churn(300, seed=3)
    frame.loc[frame.index[:10], "age"] = np.nan
    pipeline = build_pipeline("logistic_regression", FEATURES, seed=3).fit(frame[FEATURES.all], frame["churned"])
    schema = feature_schema(frame, FEATURES, "churned")
    metadata = {"registry_model": "svc-test-churn", "registry_version": "7", "metrics": {"roc_auc": 0.8}}
    save_served_model(TAG, pipeline, schema, "# card", metadata)
    saved = {k: os.environ.get(k) for k in ("CONVEYOR_MODEL_TAG", "PROMETHEUS_MULTIPROC_DIR")}
    os.environ["CONVEYOR_MODEL_TAG"] = TAG
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path_factory.mktemp("prometheus"))
    module = importlib.import_module("service")
    if module.MODEL_TAG != TAG:  # imported earlier in this session (a Bento build) for another model
        module = importlib.reload(module)
    module.PIPELINE = pipeline  # for comparisons in the tests
    yield module
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def record(service: Any) -> dict[str, Any]:
    return example_record(service.FEATURE_SCHEMA)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bentoml_serve(workdir: Path, **env_overrides: str) -> Iterator[str]:
    """``bentoml serve service:Conveyor`` of TAG on 127.0.0.1 (a free port) in its own process group; yields its URL.

    Needs the ``service`` fixture (it saves TAG). The server's output goes to ``workdir/server.log``; the whole
    process group is stopped on exit.
    """
    port = free_port()
    env = {**os.environ, "CONVEYOR_MODEL_TAG": TAG, "BENTOML_DO_NOT_TRACK": "true", **env_overrides}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # bentoml serve makes its own
    log = workdir / "server.log"
    command = [str(Path(sys.executable).parent / "bentoml"), "serve", "service:Conveyor",
               "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=project_root(), env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                pytest.fail(f"bentoml serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"bentoml serve was not ready in 180 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
