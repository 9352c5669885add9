"""The service under test: service.py serving a tiny churn model saved under TAG (shared by the service tests).

Besides it, tiny models of the other tasks and libraries (``regression_model``, ``xgboost_model``,
``lightgbm_model``), each saved under a tag of its own; ``load_service`` imports service.py afresh for one of
them, beside the ``service`` module, for an in-process test client.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

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


def metric(client: Any, name: str) -> float:
    """The value of a series in /metrics (a counter, or a histogram's _sum or _count), summed over workers."""
    lines = client.get("/metrics").text.splitlines()
    return sum(float(line.split()[-1]) for line in lines if line.startswith(name + " ") or line.startswith(name + "{"))


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
    save_served_model(TAG, pipeline, schema, "# card", metadata, *compiled(pipeline, schema, frame))
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


class SavedModel(NamedTuple):
    """A model saved into BentoML's store the way the deployment imports a champion."""

    tag: str
    version: str
    pipeline: Any
    schema: dict[str, Any]


DIABETES = Features(numeric=["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])


def compiled(pipeline: Any, schema: dict[str, Any], frame: Any) -> tuple[bytes | None, dict[str, Any]]:
    """The ONNX graph and parity report, as registration makes them (``frame`` stands in for the holdout)."""
    from conveyor.config import OnnxSettings
    from conveyor.training.onnx_parity import compile_and_check

    features = [f["name"] for f in schema["features"]]
    return compile_and_check(pipeline, schema, frame[features], OnnxSettings(sample_rows=64), seed=3)


def _save(name: str, version: str, pipeline: Any, schema: dict[str, Any], frame: Any) -> SavedModel:
    from conveyor.serving.bento_model import save_served_model

    tag = f"{name}:v{version}"
    metadata = {"registry_model": name, "registry_version": version}
    save_served_model(tag, pipeline, schema, f"# {name}", metadata, *compiled(pipeline, schema, frame))
    return SavedModel(tag, version, pipeline, schema)


def _diabetes() -> Any:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).frame


@pytest.fixture(scope="session")
def regression_model(state_dir: Path) -> SavedModel:
    """A ridge regression on scikit-learn's diabetes data, the candidate named by its import path."""
    from conveyor.config import Candidate
    from conveyor.features.schema import feature_schema
    from conveyor.training.models import search

    frame = _diabetes()
    candidate = Candidate(estimator="sklearn.linear_model.Ridge", search={"alpha": [0.1, 1.0]})
    fitted = search(candidate, DIABETES, frame[DIABETES.all], frame["target"], "rmse", 2, 3, task="regression")
    schema = feature_schema(frame, DIABETES, "target", task="regression")
    return _save("svc-test-diabetes", "11", fitted.best_estimator_, schema, frame)


@pytest.fixture(scope="session")
def xgboost_model(state_dir: Path) -> SavedModel:
    """An XGBoost classifier on churn's "yes"/"no" labels (trained on 0/1 behind EncodedLabels)."""
    from conveyor.config import Candidate
    from conveyor.features.schema import feature_schema
    from conveyor.training.data import generate_churn
    from conveyor.training.models import search

    frame = generate_churn(300, seed=5)
    candidate = Candidate(family="xgboost", params={"n_estimators": 20, "max_depth": 3})
    fitted = search(candidate, FEATURES, frame[FEATURES.all], frame["churned"], "roc_auc", 2, 5)
    schema = feature_schema(frame, FEATURES, "churned")
    return _save("svc-test-churn-xgboost", "12", fitted.best_estimator_, schema, frame)


@pytest.fixture(scope="session")
def lightgbm_model(state_dir: Path) -> SavedModel:
    """A LightGBM regressor on scikit-learn's diabetes data."""
    from conveyor.features.schema import feature_schema
    from conveyor.training.models import build_pipeline

    frame = _diabetes()
    pipeline = build_pipeline("lightgbm", DIABETES, seed=3, task="regression")
    pipeline.fit(frame[DIABETES.all], frame["target"])
    schema = feature_schema(frame, DIABETES, "target", "regression")
    return _save("svc-test-diabetes-lightgbm", "13", pipeline, schema, frame)


def load_service(tag: str, module_name: str) -> ModuleType:
    """service.py imported afresh as ``module_name``, serving BentoML model ``tag``; the ``service`` module (and
    its test clients) keep their own model. Needs the ``service`` fixture's environment."""
    saved = os.environ.get("CONVEYOR_MODEL_TAG")
    os.environ["CONVEYOR_MODEL_TAG"] = tag
    try:
        spec = importlib.util.spec_from_file_location(module_name, project_root() / "service.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # pydantic resolves the module's annotations through sys.modules
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            os.environ.pop("CONVEYOR_MODEL_TAG", None)
        else:
            os.environ["CONVEYOR_MODEL_TAG"] = saved
    return module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bentoml_serve(workdir: Path, *serve_args: str, **env_overrides: str) -> Iterator[str]:
    """``bentoml serve service:Conveyor`` of TAG on 127.0.0.1 (a free port) in its own process group; yields its URL.

    Needs the ``service`` fixture (it saves TAG). ``serve_args`` go to ``bentoml serve`` (``--arg-file FILE``).
    The server's output goes to ``workdir/server.log``; the whole process group is stopped on exit.
    """
    port = free_port()
    env = {**os.environ, "CONVEYOR_MODEL_TAG": TAG, "BENTOML_DO_NOT_TRACK": "true", **env_overrides}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # bentoml serve makes its own
    log = workdir / "server.log"
    command = [str(Path(sys.executable).parent / "bentoml"), "serve", "service:Conveyor",
               "--host", "127.0.0.1", "--port", str(port), *serve_args]
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
