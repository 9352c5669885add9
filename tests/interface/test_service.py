"""service.py through ``to_asgi()`` and a test client: valid and batch requests, every kind of bad input."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from conveyor.prediction_log.format import TRAFFIC_HEADER, default_path
from conveyor.prediction_log.reader import read_features
from tests.interface.conftest import FEATURES, TAG, metric


@pytest.fixture(scope="module")
def client(service: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(service.Conveyor.to_asgi(), raise_server_exceptions=False) as test_client:
        yield test_client


def _fields(response: Any) -> list[str]:
    return [str(part) for error in response.json()["detail"] for part in error["loc"]]


def test_predict_one_record_matches_the_model(client: Any, service: Any, record: dict[str, Any]) -> None:
    response = client.post("/predict", json=record)
    assert response.status_code == 200
    body = response.json()
    expected = service.PIPELINE.predict_proba(pd.DataFrame([record]))[0]
    assert body["model_version"] == "7"
    assert len(body["id"]) == 32
    assert body["label"] in {"yes", "no"}
    assert body["probabilities"] == pytest.approx(dict(zip(service.PIPELINE.classes_, expected, strict=True)))


@pytest.mark.parametrize("path", ["/predict_batch", "/predict_batched"])
def test_batch_endpoints_answer_one_prediction_per_record(client: Any, record: dict[str, Any], path: str) -> None:
    other = {**record, "contract": "two-year", "age": None}
    response = client.post(path, json=[record, other, record])
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 3
    assert {k: v for k, v in body[0].items() if k != "id"} == {k: v for k, v in body[2].items() if k != "id"}
    assert len({p["id"] for p in body}) == 3  # the same record twice is two predictions
    assert {p["model_version"] for p in body} == {"7"}


def test_concurrent_requests_each_get_the_answers_for_their_own_records(
    client: Any, service: Any, record: dict[str, Any]
) -> None:
    """Requests that arrive together share model calls (conveyor/serving/merged_calls.py), yet not answers."""
    from concurrent.futures import ThreadPoolExecutor

    name = "conveyor_model_call_rows"
    rows_before, calls_before = metric(client, f"{name}_sum"), metric(client, f"{name}_count")
    batches = [
        [{**record, "tenure_months": float(n * 10 + i), "region": ("north", "south")[i % 2]} for i in range(1 + n % 4)]
        for n in range(24)
    ]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda batch: client.post("/predict_batch", json=batch), batches))
        singles = list(pool.map(lambda batch: client.post("/predict", json=batch[0]), batches))

    for batch, answer, single in zip(batches, answers, singles, strict=True):
        assert answer.status_code == 200 and single.status_code == 200
        expected = service.PIPELINE.predict_proba(pd.DataFrame(batch))
        got = [[p["probabilities"][str(c)] for c in service.PIPELINE.classes_] for p in answer.json()]
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert single.json()["probabilities"] == answer.json()[0]["probabilities"]
    ids = [p["id"] for a in answers for p in a.json()] + [s.json()["id"] for s in singles]
    assert len(set(ids)) == len(ids)
    rows = sum(len(b) for b in batches) + len(batches)
    assert metric(client, f"{name}_sum") - rows_before == rows  # every row, in some call
    assert metric(client, f"{name}_count") - calls_before <= 2 * len(batches)


def test_a_nullable_feature_may_be_left_out(client: Any, record: dict[str, Any]) -> None:
    without_age = {k: v for k, v in record.items() if k != "age"}
    assert client.post("/predict", json=without_age).status_code == 200


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"drop": "tenure_months"}, "tenure_months"),  # missing required field
        ({"set": ("tenure_months", None)}, "tenure_months"),  # null where training had no missing values
        ({"set": ("coupon", 1)}, "coupon"),  # extra field
        ({"set": ("monthly_charges", "cheap")}, "monthly_charges"),  # wrong type
        ({"set": ("support_calls", True)}, "support_calls"),  # a boolean is not a number
        ({"set": ("contract", "weekly")}, "contract"),  # unknown category
        ({"set": ("region", 3)}, "region"),  # a number where a category is expected
    ],
)
def test_bad_records_get_400_naming_the_field(
    client: Any, record: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    bad = dict(record)
    if "drop" in change:
        bad.pop(change["drop"])
    else:
        key, value = change["set"]
        bad[key] = value
    response = client.post("/predict", json=bad)
    assert response.status_code == 400
    assert field in _fields(response)
    batch = client.post("/predict_batch", json=[record, bad])
    assert batch.status_code == 400
    assert field in _fields(batch)


def test_infinity_and_nan_get_400_naming_the_field(client: Any, record: dict[str, Any]) -> None:
    headers = {"content-type": "application/json"}
    for literal in ("Infinity", "-Infinity", "NaN"):  # Python's JSON parser accepts them; the model cannot score them
        body = json.dumps({**record, "monthly_charges": 0.5}).replace("0.5", literal).encode()
        for path, payload in (("/predict", body), ("/predict_batch", b"[" + body + b"]")):
            response = client.post(path, content=payload, headers=headers)
            assert response.status_code == 400, (path, literal, response.text)
            assert "monthly_charges" in _fields(response)


def test_malformed_json_and_wrong_shapes_get_400(client: Any, record: dict[str, Any]) -> None:
    headers = {"content-type": "application/json"}
    assert client.post("/predict", content=b'{"tenure_months": 1,', headers=headers).status_code == 400
    for path in ("/predict_batch", "/predict_batched"):  # BentoML parses lists outside pydantic: was a 500
        for body in (b"[{", b"\x00", b"\xbc\xff"):
            response = client.post(path, content=body, headers=headers)
            assert response.status_code == 400
            assert _fields(response) == ["body"]
    assert client.post("/predict", json=[record]).status_code == 400
    assert client.post("/predict_batch", json=record).status_code == 400
    assert client.post("/predict_batch", json=[]).status_code == 400
    assert client.post("/predict_batched", json=[]).status_code == 400


def test_too_many_rows_get_400(client: Any, service: Any, record: dict[str, Any]) -> None:
    response = client.post("/predict_batch", json=[record] * (service.SETTINGS.max_batch_rows + 1))
    assert response.status_code == 400


def test_oversized_payloads_get_413_with_or_without_a_length(client: Any, service: Any) -> None:
    body = json.dumps({"padding": "x" * service.SETTINGS.max_request_bytes}).encode()
    headers = {"content-type": "application/json"}
    assert client.post("/predict_batch", content=body, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    assert client.post("/predict_batch", content=chunks(), headers=headers).status_code == 413


def test_the_server_stays_up_after_bad_input(client: Any, record: dict[str, Any]) -> None:
    client.post("/predict", content=b"\xff\xfe", headers={"content-type": "application/json"})
    assert client.get("/readyz").status_code == 200
    assert client.post("/predict", json=record).status_code == 200


def test_answered_requests_leave_no_request_timer_behind(client: Any, record: dict[str, Any]) -> None:
    """BentoML's request timeout kept a timer alive for 30 s per request (conveyor/compat/bento_timeout.py)."""
    import asyncio
    import gc

    def live() -> int:
        return sum(isinstance(h, asyncio.TimerHandle) and not h.cancelled() for h in gc.get_objects())

    before = live()
    for path, body in (("/predict", record), ("/predict_batched", [record]), ("/model_info", {})):
        for _ in range(10):  # the direct path, and two through BentoML's layers
            assert client.post(path, json=body).status_code == 200
    # BentoML's own middleware leaves all 30 (alive for 30 s); a few others may come and go (the batching dispatcher's)
    assert live() - before < 5


def test_the_one_pass_validation_takes_what_bentomls_class_takes(client: Any, service: Any) -> None:
    """The direct path validates from JSON in one pass and falls back to BentoML's class only for a refused body."""
    from pydantic import ValidationError

    from conveyor.features.requests import sample_records

    records = sample_records(service.FEATURE_SCHEMA, 60, seed=3)  # every category, nulls, left-out fields
    bodies = {"/predict": [json.dumps(r) for r in records], "/predict_batch": [json.dumps(records)]}
    for path, texts in bodies.items():
        model, adapter, _ = service.DIRECT[path]
        for text in texts:
            assert adapter.validate_json(text) == model.model_validate_json(text).root
    model, adapter, _ = service.DIRECT["/predict_batch"]
    for refused in ("[]", '[{"tenure_months": "x"}]', f"[{json.dumps(records[0])[:-1]}, \"extra\": 1}}]"):
        with pytest.raises(ValidationError):
            adapter.validate_json(refused)
        with pytest.raises(ValidationError):
            model.model_validate_json(refused)


def test_uvicorn_formats_no_access_line_that_would_be_dropped(service: Any) -> None:
    """Under `bentoml serve` uvicorn's access logger has no handler of its own (log_config=None): not propagating,
    it has none at all, and uvicorn skips the line. BentoML's access log (service.access_log) is the shown one."""
    import logging

    assert logging.getLogger("uvicorn.access").propagate is False


def test_health_metrics_and_model_info(client: Any) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "conveyor_prediction_log_dropped_records_total" in metrics.text
    assert "conveyor_prediction_log_failed_records_total" in metrics.text
    info = client.post("/model_info", json={})
    assert info.status_code == 200
    assert info.json()["version"] == "7"
    assert info.json()["bento_model_tag"] == TAG
    assert info.json()["model_card"] == "# card"
    assert info.json()["metrics"] == {"roc_auc": 0.8}


def test_openapi_documents_every_endpoint_with_an_example(client: Any) -> None:
    spec = client.get("/docs.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/predict", "/predict_batch", "/predict_batched", "/feedback", "/model_info", "/healthz", "/readyz",
                 "/metrics"):
        assert path in paths
    assert "example" in json.dumps(spec.json()["components"])


def test_every_prediction_is_logged(client: Any, record: dict[str, Any]) -> None:
    client.post("/predict", json={**record, "region": "north"})
    client.post("/predict_batch", json=[{**record, "region": "south"}, {**record, "region": "west"}])
    deadline = time.monotonic() + 30  # the writer thread appends off the request path
    while True:
        logged = read_features(default_path(), version="7")
        if (not logged.empty and {"north", "south", "west"} <= set(logged["region"])) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert {"north", "south", "west"} <= set(logged["region"])
    assert set(logged.columns) >= {*FEATURES.all, "_prediction", "_ts", "_version", "_id"}


def test_synthetic_traffic_is_logged_but_left_out_of_the_live_features(client: Any, record: dict[str, Any]) -> None:
    """The parity check's made-up records must not read as drift in the monitoring pipeline."""
    marker = 4242.0
    headers = {TRAFFIC_HEADER: "Synthetic"}
    assert client.post("/predict", json={**record, "tenure_months": marker}, headers=headers).status_code == 200
    batch = [{**record, "tenure_months": marker}] * 2
    assert client.post("/predict_batch", json=batch, headers=headers).status_code == 200
    client.post("/predict", json={**record, "tenure_months": marker + 1})  # live
    deadline = time.monotonic() + 30
    while True:
        everything = read_features(default_path(), version="7", synthetic=True)
        if (everything["tenure_months"] == marker + 1).any() or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (everything["tenure_months"] == marker).sum() == 3
    live = read_features(default_path(), version="7")
    assert (live["tenure_months"] == marker).sum() == 0
    assert (live["tenure_months"] == marker + 1).sum() == 1
