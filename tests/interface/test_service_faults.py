"""service.py under faults: a prediction log that cannot be written, unknown paths (``to_asgi()``, and HTTP)."""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.interface.conftest import bentoml_serve, metric

FAILED = "conveyor_prediction_log_failed_records_total"


@contextmanager
def serving(service: Any, monkeypatch: pytest.MonkeyPatch, log_path: Path) -> Iterator[Any]:
    """A fresh service instance whose prediction log is ``log_path``; stopped (log closed) on exit."""
    from starlette.testclient import TestClient

    settings = service.SETTINGS
    log = settings.prediction_log.model_copy(update={"path": str(log_path)})
    monkeypatch.setattr(service, "SETTINGS", settings.model_copy(update={"prediction_log": log}))
    with TestClient(service.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        yield client


def series(client: Any) -> list[str]:
    """The sample lines of /metrics (one per series and bucket), without the values."""
    return [line.rsplit(" ", 1)[0] for line in client.get("/metrics").text.splitlines() if not line.startswith("#")]


def wait_for_failed(client: Any, above: float) -> float:
    deadline = time.monotonic() + 30  # the writer thread writes off the request path
    while (value := metric(client, FAILED)) <= above and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def lost_write_errors(caplog: pytest.LogCaptureFixture) -> list[BaseException]:
    return [
        r.exc_info[1]
        for r in caplog.records
        if r.name == "conveyor.prediction_log.writer" and r.levelno == logging.ERROR and r.exc_info and r.exc_info[1]
    ]


@pytest.mark.parametrize("fault", ["disk full", "path under a file"])
def test_predictions_are_served_when_the_log_cannot_be_written(
    service: Any, record: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    tmp_path: Path, fault: str,
) -> None:
    if fault == "disk full":
        if not Path("/dev/full").exists():
            pytest.skip("needs /dev/full")
        log_path = tmp_path / "predictions.jsonl"
        log_path.symlink_to("/dev/full")  # every write fails with ENOSPC, like a full disk
        expected_errno = errno.ENOSPC
    else:
        (tmp_path / "not-a-dir").write_text("")
        log_path = tmp_path / "not-a-dir" / "predictions.jsonl"  # mkdir fails whatever the permissions
        expected_errno = errno.EEXIST
    with caplog.at_level(logging.ERROR, logger="conveyor.prediction_log.writer"), \
            serving(service, monkeypatch, log_path) as client:
        before = metric(client, FAILED)
        for _ in range(3):
            response = client.post("/predict", json=record)
            assert response.status_code == 200
            assert response.json()["model_version"] == "7"
        batch = client.post("/predict_batch", json=[record, record])
        assert batch.status_code == 200 and len(batch.json()) == 2
        assert wait_for_failed(client, before + 4) == before + 5  # every record counted as lost
        assert client.get("/readyz").status_code == 200
    errors = lost_write_errors(caplog)
    assert errors and all(isinstance(e, OSError) for e in errors)
    assert errors[0].errno == expected_errno  # type: ignore[attr-defined]


def probe(client: Any, record: dict[str, Any], name: str, count: int) -> None:
    """``count`` requests to each of three kinds of unknown path, all new."""
    for index in range(count):
        assert client.get(f"/{name}-{index}/x").status_code == 404
        assert client.post(f"/predict/{name}-{index}", json=record).status_code == 404
        assert client.get(f"/static_content/{name}-{index}.php").status_code == 404


def test_unknown_paths_add_no_metric_series(service: Any, record: dict[str, Any], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(service, monkeypatch, tmp_path / "predictions.jsonl") as client:
        assert client.post("/predict", json=record).status_code == 200
        probe(client, record, "warm-up", 2)  # adds the few series of each (route template, status code)
        before = series(client)
        probe(client, record, "probe", 40)
        assert series(client) == before
        text = client.get("/metrics").text
        assert "probe-" not in text and "warm-up-" not in text
        assert 'endpoint="<unmatched>"' in text
        assert 'endpoint="/predict"' in text
        assert client.get("/predict").status_code == 405  # a known path with the wrong method is still that route


@pytest.mark.slow
def test_over_http_an_unwritable_log_is_counted_and_predictions_go_on(
    service: Any, record: dict[str, Any], tmp_path: Path
) -> None:
    """The real server (worker processes, multiprocess Prometheus) with its log directory taken by a file."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "predictions").write_text("")  # the default log is <state dir>/predictions/predictions.jsonl
    with bentoml_serve(tmp_path, CONVEYOR_STATE_DIR=str(state)) as url:
        for _ in range(3):
            response = httpx.post(f"{url}/predict", json=record, timeout=30)
            assert response.status_code == 200 and response.json()["model_version"] == "7"
        deadline = time.monotonic() + 30
        while (failed := metric(httpx.Client(base_url=url, timeout=30), FAILED)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert failed == 3
        assert httpx.get(f"{url}/readyz", timeout=30).status_code == 200
