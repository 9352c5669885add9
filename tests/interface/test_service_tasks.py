"""service.py serving a regressor, an XGBoost classifier and a LightGBM regressor: the answer follows the task.

The ridge regressor and the XGBoost classifier are served in-process (``to_asgi()`` and a test client, each
from its own import of service.py); the LightGBM regressor by ``bentoml serve`` over real HTTP. The parity
check's helpers (conveyor/serving/parity.py) run against each, as the deployment pipeline runs them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conveyor.features.requests import sample_records
from conveyor.prediction_log.format import SYNTHETIC, TRAFFIC_HEADER, default_path
from conveyor.prediction_log.reader import iter_records, read_features
from conveyor.serving.feedback import EXAMPLE_ID
from conveyor.serving.parity import Expected, expected_answers, served_parity
from tests.interface.conftest import SavedModel, bentoml_serve, load_service

NUMBER_ANSWER = {"id", "prediction", "model_version"}


def _client(tag: str, module_name: str) -> Iterator[Any]:
    from starlette.testclient import TestClient

    module = load_service(tag, module_name)
    with TestClient(module.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def regression(service: Any, regression_model: SavedModel) -> Iterator[Any]:
    yield from _client(regression_model.tag, "service_regression")


@pytest.fixture(scope="module")
def xgboost(service: Any, xgboost_model: SavedModel) -> Iterator[Any]:
    yield from _client(xgboost_model.tag, "service_xgboost")


@pytest.fixture(scope="module")
def lightgbm_url(service: Any, lightgbm_model: SavedModel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with bentoml_serve(tmp_path_factory.mktemp("lightgbm"), CONVEYOR_MODEL_TAG=lightgbm_model.tag) as url:
        yield url


def _fields(response: Any) -> list[str]:
    return [str(part) for error in response.json()["detail"] for part in error["loc"]]


def test_a_regressor_answers_a_number_for_each_record(regression: Any, regression_model: SavedModel) -> None:
    records = sample_records(regression_model.schema, 3, seed=1)
    expected = expected_answers(regression_model.pipeline, regression_model.schema, records).predictions
    one = regression.post("/predict", json=records[0])
    assert one.status_code == 200
    answer = one.json()
    assert answer == {"id": answer["id"], "prediction": pytest.approx(expected[0], rel=1e-12), "model_version": "11"}
    assert len(answer["id"]) == 32
    for path in ("/predict_batch", "/predict_batched"):
        batch = regression.post(path, json=records)
        assert batch.status_code == 200
        assert [set(answer) for answer in batch.json()] == [NUMBER_ANSWER] * 3
        assert [answer["prediction"] for answer in batch.json()] == pytest.approx(expected, rel=1e-12)
    info = regression.post("/model_info", json={}).json()
    assert info["version"] == "11" and info["feature_schema"]["task"] == "regression"


def test_a_bad_request_to_a_regressor_gets_400_naming_the_field(regression: Any, regression_model: SavedModel) -> None:
    record = sample_records(regression_model.schema, 1, seed=2)[0]
    without_bp = {k: v for k, v in record.items() if k != "bp"}
    for bad, field in (({**record, "bmi": "heavy"}, "bmi"), (without_bp, "bp"), ({**record, "smoker": 1}, "smoker")):
        for path, body in (("/predict", bad), ("/predict_batch", [record, bad])):
            response = regression.post(path, json=body)
            assert response.status_code == 400, (path, field, response.text)
            assert field in _fields(response)


def test_the_openapi_page_documents_the_regression_answer(regression: Any) -> None:
    components = regression.get("/docs.json").json()["components"]["schemas"]
    answer = components["ValuePrediction"]
    assert set(answer["properties"]) == NUMBER_ANSWER
    assert answer["properties"]["prediction"]["type"] == "number"
    assert answer["example"] == {"id": EXAMPLE_ID, "prediction": 151.5, "model_version": "1"}
    assert "Prediction" not in components  # the classifier's answer is not offered


def test_a_regressors_predictions_are_logged_as_numbers(regression: Any, regression_model: SavedModel) -> None:
    records = sample_records(regression_model.schema, 2, seed=3)
    marker = 0.123456
    records[0]["age"] = marker
    assert regression.post("/predict_batch", json=records).status_code == 200
    deadline = time.monotonic() + 30  # the writer thread appends off the request path
    while True:
        logged = read_features(default_path(), version="11")
        if (not logged.empty and (logged["age"] == marker).any()) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    row = logged[logged["age"] == marker].iloc[0]
    expected = expected_answers(regression_model.pipeline, regression_model.schema, records).predictions[0]
    assert row["_prediction"] == pytest.approx(expected, rel=1e-12)
    lines = [json.loads(line) for line in default_path().read_text().splitlines() if '"svc-test-diabetes"' in line]
    assert lines and all("probabilities" not in line for line in lines)
    assert all(isinstance(value, float) for line in lines for value in line["prediction"])
    assert all("probabilities" not in r for r in iter_records(default_path()) if r.get("version") == "11")


def test_the_parity_check_passes_for_a_regressor_and_reports_a_changed_model(
    regression: Any, regression_model: SavedModel
) -> None:
    records = sample_records(regression_model.schema, 16, seed=7)
    expected = expected_answers(regression_model.pipeline, regression_model.schema, records)
    report = served_parity(regression, records, expected, "11", 1e-9)
    assert report["problems"] == []
    assert (report["task"], report["records"], report["served_version"]) == ("regression", 16, "11")

    moved = Expected("regression", [value + 1.0 for value in expected.predictions])
    problems = served_parity(regression, records, moved, "11", 1e-9)["problems"]
    assert len(problems) == 16 + 5  # every record of the batch, and the first five again one by one
    assert problems[0].startswith("record 0: prediction") and problems[-1].startswith("/predict record 4:")
    assert min(abs(v) for v in moved.predictions) > 10
    assert served_parity(regression, records, moved, "11", 0.1)["problems"] == []  # relative: 1.0 is < 10% of them


def test_an_xgboost_classifier_answers_the_original_class_names(xgboost: Any, xgboost_model: SavedModel) -> None:
    records = sample_records(xgboost_model.schema, 32, seed=7)
    answer = xgboost.post("/predict", json=records[0]).json()
    assert answer["label"] in {"yes", "no"} and set(answer["probabilities"]) == {"yes", "no"}
    assert answer["model_version"] == "12"
    expected = expected_answers(xgboost_model.pipeline, xgboost_model.schema, records)
    assert expected.classes == ("no", "yes")
    report = served_parity(xgboost, records, expected, "12", 1e-9)
    assert report["problems"] == [] and report["task"] == "classification"
    served = [a["label"] for a in xgboost.post("/predict_batch", json=records).json()]
    assert served == expected.predictions and set(served) <= {"yes", "no"}


def test_bentoml_serves_a_lightgbm_regressor_over_http(lightgbm_url: str, lightgbm_model: SavedModel) -> None:
    records = sample_records(lightgbm_model.schema, 16, seed=7)
    expected = expected_answers(lightgbm_model.pipeline, lightgbm_model.schema, records)
    with httpx.Client(base_url=lightgbm_url, timeout=60, headers={TRAFFIC_HEADER: SYNTHETIC}) as client:
        report = served_parity(client, records, expected, "13", 1e-9)
        one = client.post("/predict", json=records[0])
        bad = client.post("/predict", json={**records[0], "s1": None})
    assert report["problems"] == [] and report["served_version"] == "13"
    assert set(one.json()) == NUMBER_ANSWER
    assert bad.status_code == 400 and "s1" in _fields(bad)
