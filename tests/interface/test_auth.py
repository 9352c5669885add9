"""The locked door over real HTTP: ``bentoml serve`` with ``service.auth.token_env: CONVEYOR_API_TOKEN``.

One served process for every request case (the session's churn model, settings from configs/deployment.yaml
with auth on, passed as the Bento argument ``settings``, the token in the server's environment only); one more
``bentoml serve`` without the variable, which must refuse to start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conveyor.platform.paths import project_root
from conveyor.prediction_log.format import new_ids
from conveyor.serving.settings import service_settings
from tests.interface.conftest import TAG, bentoml_serve

TOKEN_ENV = "CONVEYOR_API_TOKEN"
TOKEN = "interface-test-token-3f9c"
ENDPOINTS = ["/predict", "/predict_batch", "/predict_batched", "/feedback", "/model_info"]


@pytest.fixture(scope="module")
def arg_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ``bentoml serve --arg-file`` whose settings turn auth on and log to a directory of this module's own."""
    directory = tmp_path_factory.mktemp("auth")
    settings = service_settings(None)
    log = settings.prediction_log.model_copy(update={"path": str(directory / "predictions.jsonl")})
    auth = settings.auth.model_copy(update={"token_env": TOKEN_ENV})
    locked = settings.model_copy(update={"auth": auth, "prediction_log": log})
    path = directory / "args.yaml"
    path.write_text(yaml.safe_dump({"settings": locked.model_dump_json()}))
    assert TOKEN not in path.read_text()
    return path


@pytest.fixture(scope="module")
def url(service: Any, arg_file: Path) -> Iterator[str]:
    assert TOKEN_ENV not in os.environ  # the token is only in the server's environment
    with bentoml_serve(arg_file.parent, "--arg-file", str(arg_file), **{TOKEN_ENV: TOKEN}) as served:
        yield served


def body(path: str, record: dict[str, Any]) -> Any:
    return {
        "/predict": record,
        "/predict_batch": [record, record],
        "/predict_batched": [record],
        "/feedback": [{"id": new_ids(1)[0], "label": "yes"}],
        "/model_info": {},
    }[path]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("authorization", "problem"),
    [
        (None, "no Authorization header"),
        ("Bearer not-the-token", "not the service's"),
        (f"Basic {TOKEN}", "not Bearer"),
        (f"Bearer {TOKEN}x", "not the service's"),
    ],
)
def test_without_the_right_token_every_endpoint_answers_401(
    url: str, record: dict[str, Any], path: str, authorization: str | None, problem: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = httpx.post(f"{url}{path}", json=body(path, record), headers=headers, timeout=60)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert problem in answer["error"]
    assert answer["expected"] == "Authorization: Bearer <token>"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_right_token_is_served(url: str, record: dict[str, Any], path: str) -> None:
    response = httpx.post(
        f"{url}{path}", json=body(path, record), headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    if path == "/model_info":
        assert answer["version"] == "7"
    elif path == "/feedback":
        assert answer == {"accepted": 1}
    else:
        first = answer if path == "/predict" else answer[0]
        assert first["model_version"] == "7"


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz", "/metrics", "/", "/docs.json"])
def test_health_metrics_and_the_openapi_page_need_no_token(url: str, path: str) -> None:
    assert httpx.get(f"{url}{path}", timeout=60).status_code == 200


def test_a_401_is_counted_and_the_server_stays_up(url: str, record: dict[str, Any]) -> None:
    refused = httpx.post(f"{url}/predict", json=record, timeout=60)
    assert refused.status_code == 401
    metrics = httpx.get(f"{url}/metrics", timeout=60).text
    counted = [
        line for line in metrics.splitlines()
        if line.startswith("bentoml_service_request_total{") and 'http_response_code="401"' in line
        and 'endpoint="/predict"' in line
    ]
    assert counted and float(counted[0].split()[-1]) >= 1
    assert httpx.get(f"{url}/readyz", timeout=60).status_code == 200
    served = httpx.post(f"{url}/predict", json=record, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert served.status_code == 200


def test_bentoml_serve_refuses_to_start_without_the_token(service: Any, arg_file: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in (TOKEN_ENV, "PROMETHEUS_MULTIPROC_DIR")}
    env |= {"CONVEYOR_MODEL_TAG": TAG, "BENTOML_DO_NOT_TRACK": "true"}
    command = [str(Path(sys.executable).parent / "bentoml"), "serve", "service:Conveyor", "--host", "127.0.0.1",
               "--port", "0", "--arg-file", str(arg_file)]
    result = subprocess.run(command, cwd=project_root(), env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ServingError" in output
    assert f"the environment variable {TOKEN_ENV} is not set" in output


def test_the_bento_arguments_hold_the_variable_name_only(arg_file: Path) -> None:
    settings = json.loads(yaml.safe_load(arg_file.read_text())["settings"])
    assert settings["auth"] == {"token_env": TOKEN_ENV, "protect_metrics": False}
