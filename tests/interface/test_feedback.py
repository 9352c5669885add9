"""Prediction ids and ``POST /feedback`` over real HTTP (``bentoml serve`` of the session's churn model), plus a
regressor's labels and an unwritable labels log in-process (``to_asgi()`` and a test client).

Every answer of every prediction endpoint carries a new id, logged with its record; labels sent by id are in
``labels.jsonl`` beside the prediction log when the 200 arrives; bad labels get 400 naming the record and field.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conveyor.prediction_log.format import ID_PATTERN, default_path, new_ids
from conveyor.prediction_log.labels import LABELS_FILE_NAME, labels_path, read_labels
from conveyor.prediction_log.reader import iter_records
from tests.interface.conftest import SavedModel, bentoml_serve, load_service

LABELS = labels_path(default_path())


@pytest.fixture(scope="module")
def server(service: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """``bentoml serve`` of the session's churn model (version 7), logging to the default prediction log."""
    with bentoml_serve(tmp_path_factory.mktemp("feedback")) as url, httpx.Client(base_url=url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def regression(service: Any, regression_model: SavedModel) -> Iterator[Any]:
    from starlette.testclient import TestClient

    module = load_service(regression_model.tag, "service_feedback_regression")
    with TestClient(module.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        yield client


def _fields(response: Any) -> list[list[Any]]:
    """The ``loc`` of each error, without pydantic's leading "root" of a list body."""
    return [[part for part in error["loc"] if part != "root"] for error in response.json()["detail"]]


def _labels_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in LABELS.read_text().splitlines()] if LABELS.exists() else []


def _logged(ids: set[str]) -> dict[str, dict[str, Any]]:
    """The logged records of ``ids``, by id, once all of them are logged (the writer thread is off the request path)."""
    deadline = time.monotonic() + 30
    while True:
        found = {r["id"]: r for r in iter_records(default_path()) if r.get("id") in ids}
        if len(found) == len(ids) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_every_prediction_has_a_new_id_in_its_answer_and_in_the_log(
    server: httpx.Client, record: dict[str, Any]
) -> None:
    other = {**record, "contract": "two-year", "age": None}
    answers = [server.post("/predict", json=record).json()]
    for path in ("/predict_batch", "/predict_batched"):
        response = server.post(path, json=[record, other, record])
        assert response.status_code == 200
        answers += response.json()
    ids = [answer["id"] for answer in answers]
    assert len(ids) == len(set(ids)) == 7
    assert all(re.match(ID_PATTERN, i) for i in ids)
    assert list(answers[0]) == ["id", "label", "probabilities", "model_version"]  # the id comes first
    logged = _logged(set(ids))
    assert set(logged) == set(ids)
    for answer in answers:
        assert logged[answer["id"]]["prediction"] == answer["label"]
        assert logged[answer["id"]]["probabilities"] == pytest.approx(answer["probabilities"])
        assert logged[answer["id"]]["version"] == "7"


def test_labels_are_on_disk_when_the_answer_arrives(server: httpx.Client, record: dict[str, Any]) -> None:
    predicted = [answer["id"] for answer in server.post("/predict_batch", json=[record, record]).json()]
    never_seen = new_ids(1)[0]  # another replica's prediction, or one not logged yet: taken too
    body = [
        {"id": predicted[0], "label": "yes"},
        {"id": predicted[1], "label": "no"},
        {"id": never_seen, "label": "no"},
        {"id": predicted[0], "label": "no"},  # a correction: both are kept, monitoring takes the last
    ]
    response = server.post("/feedback", json=body)
    assert response.status_code == 200 and response.json() == {"accepted": 4}
    # No waiting: the labels were written and flushed before the answer.
    lines = [line for line in _labels_lines() if line["id"] in {*predicted, never_seen}]
    assert [(line["id"], line["label"]) for line in lines] == [(b["id"], b["label"]) for b in body]
    assert {(line["model"], line["version"]) for line in lines} == {("svc-test-churn", "7")}
    assert len({line["ts"] for line in lines}) == 1 and lines[0]["ts"].endswith("+00:00")
    labels = read_labels(LABELS)
    assert list(labels.columns) == ["id", "label", "ts"]
    mine = labels[labels["id"].isin({*predicted, never_seen})]
    assert list(zip(mine["id"], mine["label"], strict=True)) == [(b["id"], b["label"]) for b in body]
    assert LABELS.name == LABELS_FILE_NAME and LABELS.parent == default_path().parent


def test_a_number_whose_text_is_no_class_is_refused_and_a_class_name_taken(server: httpx.Client) -> None:
    one = new_ids(1)[0]
    response = server.post("/feedback", json=[{"id": one, "label": "yes"}, {"id": one, "label": 1}])
    assert response.status_code == 400 and _fields(response) == [[1, "label"]]
    assert "no, yes" in response.json()["detail"][0]["msg"]  # says which classes there are


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([{"label": "yes"}], [0, "id"]),  # missing field
        ([{"id": "ID", "label": "maybe"}], [0, "label"]),  # unknown class
        ([{"id": "ID", "label": "yes"}, {"id": "ID", "label": True}], [1, "label"]),  # wrong type
        ([{"id": "ID", "label": None}], [0, "label"]),
        ([{"id": "not-an-id", "label": "yes"}], [0, "id"]),
        ([{"id": "ID", "label": "yes", "weight": 1}], [0, "weight"]),  # unknown field
        ([], []),  # empty list
        ({"id": "ID", "label": "yes"}, []),  # not a list
    ],
)
def test_bad_feedback_gets_400_naming_the_field_and_nothing_is_written(
    server: httpx.Client, record: dict[str, Any], body: Any, field: list[Any]
) -> None:
    one = new_ids(1)[0]
    body = json.loads(json.dumps(body).replace('"ID"', f'"{one}"'))
    before = len(_labels_lines())
    response = server.post("/feedback", json=body)
    assert response.status_code == 400, response.text
    assert field in _fields(response)
    assert len(_labels_lines()) == before
    assert server.get("/readyz").status_code == 200
    assert server.post("/feedback", json=[{"id": one, "label": "no"}]).json() == {"accepted": 1}  # still up


def test_too_many_labels_malformed_json_and_oversized_bodies_are_refused(
    server: httpx.Client, service: Any, record: dict[str, Any]
) -> None:
    one = new_ids(1)[0]
    before = len(_labels_lines())
    too_many = [{"id": one, "label": "yes"}] * (service.SETTINGS.max_batch_rows + 1)
    response = server.post("/feedback", json=too_many)
    assert response.status_code == 400 and _fields(response) == [[]]
    headers = {"content-type": "application/json"}
    for malformed in (b'[{"id": "', b"\xff\xfe"):
        response = server.post("/feedback", content=malformed, headers=headers)
        assert response.status_code == 400 and _fields(response) == [["body"]]
    padding = json.dumps([{"id": one, "label": "x" * service.SETTINGS.max_request_bytes}]).encode()
    assert server.post("/feedback", content=padding, headers=headers).status_code == 413
    assert len(_labels_lines()) == before
    assert server.post("/predict", json=record).status_code == 200


def test_the_openapi_page_shows_an_example_feedback_body(server: httpx.Client) -> None:
    spec = server.get("/docs.json").json()
    body = spec["paths"]["/feedback"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["example"] == [{"id": body["example"][0]["id"], "label": "yes"}]
    assert re.match(ID_PATTERN, body["example"][0]["id"])
    label = spec["components"]["schemas"]["Label"]
    assert label["properties"]["label"]["enum"] == ["no", "yes"] and set(label["required"]) == {"id", "label"}
    assert spec["components"]["schemas"]["Prediction"]["example"]["id"] == body["example"][0]["id"]
    assert list(spec["components"]["schemas"]["Prediction"]["properties"])[0] == "id"


def test_a_regressor_takes_numbers_as_labels(regression: Any, regression_model: SavedModel) -> None:
    from conveyor.features.requests import sample_records

    records = sample_records(regression_model.schema, 2, seed=4)
    answers = regression.post("/predict_batch", json=records).json()
    assert [list(answer) for answer in answers] == [["id", "prediction", "model_version"]] * 2
    assert regression.post("/predict", json=records[0]).json()["id"] not in {a["id"] for a in answers}
    body = [{"id": answers[0]["id"], "label": 151}, {"id": answers[1]["id"], "label": 87.25}]
    assert regression.post("/feedback", json=body).json() == {"accepted": 2}
    lines = [line for line in _labels_lines() if line["id"] in {a["id"] for a in answers}]
    assert [line["label"] for line in lines] == [151.0, 87.25]
    assert {line["version"] for line in lines} == {"11"}
    for label in (True, "151", None, [1.0]):
        response = regression.post("/feedback", json=[{"id": answers[0]["id"], "label": label}])
        assert response.status_code == 400 and _fields(response) == [[0, "label"]], label
    infinite = b'[{"id": "%s", "label": Infinity}]' % answers[0]["id"].encode()
    response = regression.post("/feedback", content=infinite, headers={"content-type": "application/json"})
    assert response.status_code == 400 and _fields(response) == [[0, "label"]]
    components = regression.get("/docs.json").json()["components"]["schemas"]
    assert components["Label"]["properties"]["label"]["type"] == "number"


def test_an_unwritable_labels_log_refuses_the_labels_and_says_so(
    service: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Nothing accepted is ever lost: when the labels cannot be written the answer is not 200."""
    from starlette.testclient import TestClient

    (tmp_path / "a-file").write_text("")
    settings = service.SETTINGS
    log = settings.prediction_log.model_copy(update={"path": str(tmp_path / "a-file" / "predictions.jsonl")})
    monkeypatch.setattr(service, "SETTINGS", settings.model_copy(update={"prediction_log": log}))
    with TestClient(service.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        response = client.post("/feedback", json=[{"id": new_ids(1)[0], "label": "yes"}])
        assert response.status_code == 503  # "try again later"; the service logs why (BentoML hides 5xx reasons)
        assert client.get("/readyz").status_code == 200
