"""Schemathesis fuzz of the real service over HTTP: no input, valid or not, gets a 5xx.

The module starts ``bentoml serve service:Conveyor`` on 127.0.0.1 (a free port) for the session's test
model (tests/interface/conftest.py), fuzzes every operation in its OpenAPI schema (``/docs.json``) with a
bounded, derandomized number of valid and invalid cases, then checks that a valid prediction still answers
correctly, and stops the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.interface.conftest import bentoml_serve

pytestmark = pytest.mark.slow

EXAMPLES = 8  # per operation and mode (valid, invalid): 10 operations -> at most 160 requests
BOUND = 160


class Call(NamedTuple):
    method: str
    path: str
    mode: str
    status: int
    body: str
    answer: str


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis's caches (source constants, unicode data) go to a temporary directory, not .hypothesis/ here."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture(scope="module")
def server(service: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``bentoml serve`` of the test model (saved by the ``service`` fixture)."""
    with bentoml_serve(tmp_path_factory.mktemp("fuzz")) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(server: str) -> Any:
    return schemathesis.openapi.from_url(f"{server}/docs.json")


def fuzz(operation: Any, mode: GenerationMode, calls: list[Call]) -> None:
    """Send up to EXAMPLES cases of ``mode`` to ``operation``; append every call to ``calls``."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,  # the same cases on every run
        database=None,  # no .hypothesis/ directory, nothing replayed from earlier runs
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: every case is sent once
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:
        response = case.call(timeout=60)
        calls.append(Call(case.method, case.path, mode.value, response.status_code, repr(case.body)[:200],
                          response.text[:300]))

    try:
        send()
    except Unsatisfiable:  # an operation without parameters or body has no invalid input
        assert mode is GenerationMode.NEGATIVE


@pytest.fixture(scope="module")
def fuzzed(api_schema: Any) -> list[Call]:
    """Every operation in the schema, fuzzed once for the module: the calls made."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) * len(GenerationMode) * EXAMPLES <= BOUND  # bounded
    calls: list[Call] = []
    for operation in operations:
        for mode in GenerationMode:
            fuzz(operation, mode, calls)
    return calls


def test_no_input_gets_a_server_error(fuzzed: list[Call]) -> None:
    errors = [call for call in fuzzed if call.status >= 500]
    assert not errors, "\n".join(str(call) for call in errors)


def test_the_fuzz_was_bounded_and_the_service_still_predicts(
    fuzzed: list[Call], server: str, service: Any, record: dict[str, Any]
) -> None:
    operations = {(call.method, call.path) for call in fuzzed}
    assert {("POST", "/predict"), ("POST", "/predict_batch"), ("POST", "/predict_batched"),
            ("POST", "/feedback")} <= operations
    assert 0 < len(fuzzed) <= BOUND
    assert any(call.status == 400 for call in fuzzed)  # invalid cases reached the validation
    assert any(call.status == 200 and call.path == "/predict" for call in fuzzed)  # valid cases were predicted
    assert any(call.status == 200 and call.path == "/feedback" for call in fuzzed)  # valid labels were taken
    assert any(call.status == 400 and call.path == "/feedback" for call in fuzzed)
    response = httpx.post(f"{server}/predict", json=record, timeout=30)
    assert response.status_code == 200
    expected = service.PIPELINE.predict_proba(pd.DataFrame([record]))[0]
    assert response.json()["model_version"] == "7"
    assert response.json()["probabilities"] == pytest.approx(
        dict(zip(service.PIPELINE.classes_, expected, strict=True))
    )


def test_unknown_paths_over_http_add_no_metric_series(server: str, record: dict[str, Any]) -> None:
    """BentoML's own middleware labelled requests with the raw path: 40 unknown paths took /metrics to 772 lines."""

    def sample_lines() -> list[str]:
        text = httpx.get(f"{server}/metrics", timeout=30).text
        return [line.rsplit(" ", 1)[0] for line in text.splitlines() if not line.startswith("#")]

    def probe(name: str, count: int) -> None:
        for index in range(count):
            assert httpx.get(f"{server}/{name}-{index}", timeout=30).status_code == 404
            assert httpx.post(f"{server}/predict/{name}-{index}", json=record, timeout=30).status_code == 404
            assert httpx.get(f"{server}/static_content/{name}-{index}.php", timeout=30).status_code == 404

    probe("warm-up", 2)  # the series of each (route template, status code) exist from here on
    before = sample_lines()
    probe("probe", 40)
    after = sample_lines()
    assert after == before
    assert not any("probe-" in line for line in after)
    assert any('endpoint="<unmatched>"' in line for line in after)
    assert any('endpoint="/predict"' in line for line in after)
