"""The service's bearer-token authentication, piece by piece: the setting, the token, the header, the middleware."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from conveyor.config import DeploymentConfig, ServiceSettings, load_run_config
from conveyor.errors import ConfigError, ServingError
from conveyor.platform.paths import project_root
from conveyor.platform.versions import ChampionVersion
from conveyor.serving.auth import (
    BearerAuth,
    MetricsAuth,
    auth_headers,
    bearer_token,
    check_start,
    is_loopback,
    read_token,
    token_matches,
)
from conveyor.serving.modes import deployment_config

ENV = "CONVEYOR_TEST_API_TOKEN"
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - only a setting's value here
TOKEN = "s3cret-token"


def settings(*overrides: str) -> ServiceSettings:
    path = project_root() / "configs/deployment.yaml"
    return load_run_config(path, DeploymentConfig, list(overrides)).parameters.service


def test_the_shipped_config_serves_without_authentication() -> None:
    auth = settings().auth
    assert auth.token_env is None
    assert auth.protect_metrics is False


def test_token_env_is_set_from_the_config() -> None:
    auth = settings("service.auth.token_env=CONVEYOR_API_TOKEN", "service.auth.protect_metrics=true").auth
    assert (auth.token_env, auth.protect_metrics) == ("CONVEYOR_API_TOKEN", True)


def test_token_env_must_be_a_variable_name() -> None:
    with pytest.raises(ConfigError, match=r"service\.auth\.token_env"):
        settings("service.auth.token_env=MY-TOKEN")


def test_settings_baked_before_auth_existed_still_load() -> None:
    baked = settings().model_dump()
    baked.pop("auth")
    assert ServiceSettings.model_validate(baked).auth.token_env is None


def test_the_token_is_read_from_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"  {TOKEN}\n")
    assert read_token(ENV) == TOKEN
    assert auth_headers(ENV) == {"Authorization": f"Bearer {TOKEN}"}
    assert read_token(None) is None
    assert auth_headers(None) == {}


@pytest.mark.parametrize(("value", "said"), [(None, "not set"), ("", "empty"), ("   ", "empty")])
def test_a_variable_without_a_token_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, value: str | None, said: str
) -> None:
    if value is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, value)
    with pytest.raises(ServingError, match=rf"{ENV} is {said}.*token_env: null"):
        read_token(ENV)
    with pytest.raises(ServingError, match=ENV):
        check_start(settings(f"service.auth.token_env={ENV}"))


@pytest.mark.parametrize(
    ("headers", "token", "problem"),
    [
        ([], None, "no Authorization header"),
        ([(b"authorization", b"Bearer abc")], b"abc", None),
        ([(b"Authorization", b"bearer   abc  ")], b"abc", None),  # scheme is case-insensitive; spaces around
        ([(b"authorization", b"Basic dXNlcjpwYXNz")], None, "scheme is 'Basic', not Bearer"),
        ([(b"authorization", b"Bearer")], None, "no token after Bearer"),
        ([(b"authorization", b"Bearer ")], None, "no token after Bearer"),
        ([(b"authorization", b"abc")], None, "scheme is 'abc'"),
        ([(b"authorization", b"Bearer a"), (b"authorization", b"Bearer b")], None, "more than one"),
    ],
)
def test_the_bearer_token_is_parsed_from_one_header(
    headers: list[tuple[bytes, bytes]], token: bytes | None, problem: str | None
) -> None:
    got, why = bearer_token(headers)
    assert got == token
    if problem is None:
        assert why is None
    else:
        assert why is not None and problem in why


def test_tokens_are_compared_with_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    assert token_matches(b"abc", b"abc")
    assert not token_matches(b"abd", b"abc")
    assert not token_matches(b"abcd", b"abc")
    assert not token_matches(b"", b"abc")
    assert len(calls) == 4
    assert {len(a) for a, _ in calls} | {len(b) for _, b in calls} == {32}  # digests: lengths never differ


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
        ("LOCALHOST", True), (EVERY_INTERFACE, False), ("::", False), ("192.168.1.10", False), ("example.com", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "conveyor.serving.auth" and r.levelno == logging.WARNING]


@pytest.mark.parametrize(("host", "token", "warned"), [
    (EVERY_INTERFACE, None, True), ("10.0.0.5", None, True), ("127.0.0.1", None, False),
    (EVERY_INTERFACE, TOKEN, False),
])
def test_binding_beyond_loopback_without_a_token_warns_at_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, host: str, token: str | None, warned: bool
) -> None:
    overrides = [f"service.host={host}"]
    if token is not None:
        monkeypatch.setenv(ENV, token)
        overrides.append(f"service.auth.token_env={ENV}")
    with caplog.at_level(logging.INFO, logger="conveyor.serving.auth"):
        check_start(settings(*overrides))
    assert bool(_warnings(caplog)) is warned


def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"path": request.url.path})


PATHS = ["/predict", "/predict_batch", "/predict_batched", "/feedback", "/model_info", "/nowhere",
         "/", "/docs.json", "/schema.json", "/healthz", "/livez", "/readyz", "/metrics",
         "/static_content/swagger-ui.css", "/assets/index.js"]
GUARDED = {"/predict", "/predict_batch", "/predict_batched", "/feedback", "/model_info", "/nowhere"}


@pytest.fixture
def inner_calls() -> list[str]:
    return []


def app(inner_calls: list[str], middleware: type[BearerAuth], token_env: str | None) -> Any:
    """``middleware`` in front of an app that answers every path (and records that it was called)."""
    routes = [Route(path.rstrip("/") or "/", _echo, methods=["GET", "POST"]) for path in PATHS]
    starlette = Starlette(routes=routes)

    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            inner_calls.append(scope["path"])
        await starlette(scope, receive, send)

    return middleware(recorded, token_env=token_env)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, inner_calls: list[str]) -> Iterator[TestClient]:
    monkeypatch.setenv(ENV, TOKEN)
    with TestClient(app(inner_calls, BearerAuth, ENV)) as test_client:
        yield test_client


@pytest.mark.parametrize("path", sorted(GUARDED))
@pytest.mark.parametrize(("header", "missing"), [(None, True), ("Bearer wrong", False), ("Basic abc", False)])
def test_a_guarded_path_without_the_token_gets_401_and_is_not_served(
    client: TestClient, inner_calls: list[str], path: str, header: str | None, missing: bool
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = client.post(path, content=b'{"not": "read"}', headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="conveyor"')
    assert ('error="invalid_token"' in response.headers["www-authenticate"]) is not missing
    body = response.json()
    assert body["expected"] == "Authorization: Bearer <token>"
    assert body["error"].startswith("authentication required: ")
    assert inner_calls == []  # refused before the service (and RequestGuard) saw the request


@pytest.mark.parametrize("path", sorted(GUARDED))
def test_the_right_token_passes(client: TestClient, inner_calls: list[str], path: str) -> None:
    response = client.post(path, json={}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert inner_calls == [path]


@pytest.mark.parametrize("path", sorted(set(PATHS) - GUARDED))
def test_open_paths_need_no_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_without_token_env_every_request_passes(inner_calls: list[str]) -> None:
    with TestClient(app(inner_calls, BearerAuth, None)) as test_client:
        assert test_client.post("/predict", json={}).status_code == 200


def test_metrics_auth_guards_only_metrics(monkeypatch: pytest.MonkeyPatch, inner_calls: list[str]) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    with TestClient(app(inner_calls, MetricsAuth, ENV)) as test_client:
        assert test_client.get("/metrics").status_code == 401
        assert test_client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert test_client.post("/predict", json={}).status_code == 200  # BearerAuth's part, not this one's


def test_a_middleware_refuses_to_start_without_its_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(ServingError, match=ENV):
        BearerAuth(_echo, token_env=ENV)


CHAMPION = ChampionVersion(
    name="churn", version="3", run_id="0f3c", model_uri="models:/churn/3", bento_model_tag="churn:v3",
    zenml_model_version="churn:4 (0b5e6c1e-0000-0000-0000-000000000000)", metrics={},
)


@pytest.mark.parametrize(("token_env", "passed"), [(ENV, [ENV]), (None, [])])
def test_a_container_gets_the_token_variable_by_name(
    monkeypatch: pytest.MonkeyPatch, token_env: str | None, passed: list[str]
) -> None:
    monkeypatch.setenv(ENV, TOKEN)
    overrides = [] if token_env is None else [f"service.auth.token_env={token_env}"]
    config = deployment_config(
        "container", champion=CHAMPION, bento_tag="conveyor:3-abc", apis=["predict"], settings=settings(*overrides),
        working_dir="/srv/conveyor", pipeline_name="deployment_pipeline", step_name="deploy_service",
    )
    assert config.passed_environment == passed
    assert TOKEN not in config.model_dump_json()  # names only: ZenML stores this config


def test_the_container_environment_takes_the_named_variables_that_are_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from conveyor.compat.bento_deployer import passed_environment

    monkeypatch.setenv(ENV, TOKEN)
    monkeypatch.delenv("CONVEYOR_TEST_UNSET", raising=False)
    assert passed_environment([ENV, "CONVEYOR_TEST_UNSET"]) == {ENV: TOKEN}
