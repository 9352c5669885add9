"""Which runtime the service runs (``service.runtime``), and the fallback to scikit-learn when ONNX cannot serve.

The shared ``service`` serves a logistic regression whose graph passed parity: ONNX Runtime answers. A
histogram gradient-boosting classifier, which skl2onnx cannot convert, is served by scikit-learn, and says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from conveyor.errors import ServingError
from conveyor.features.requests import columns_of, sample_records
from conveyor.serving.parity import expected_answers
from conveyor.serving.runtime import load_runtime
from tests.interface.conftest import FEATURES, SavedModel, compiled, load_service


@pytest.fixture(scope="module")
def hgb_model(state_dir: Any) -> SavedModel:
    from conveyor.features.schema import feature_schema
    from conveyor.serving.bento_model import save_served_model
    from conveyor.training.data import generate_churn
    from conveyor.training.models import build_pipeline

    frame = generate_churn(300, seed=8)
    pipeline = build_pipeline("hist_gradient_boosting", FEATURES, seed=3).set_params(model__max_iter=10)
    pipeline.fit(frame[FEATURES.all], frame["churned"])
    schema = feature_schema(frame, FEATURES, "churned")
    tag = "svc-test-churn-hgb:v21"
    metadata = {"registry_model": "svc-test-churn-hgb", "registry_version": "21"}
    save_served_model(tag, pipeline, schema, "# hgb", metadata, *compiled(pipeline, schema, frame))
    return SavedModel(tag, "21", pipeline, schema)


@pytest.fixture(scope="module")
def hgb_service(service: Any, hgb_model: SavedModel) -> Any:
    return load_service(hgb_model.tag, "service_runtime_hgb")


@pytest.fixture(scope="module")
def hgb(hgb_service: Any) -> Iterator[Any]:
    from starlette.testclient import TestClient

    with TestClient(hgb_service.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        yield client


def test_the_service_runs_the_graph_when_parity_held(service: Any) -> None:
    from starlette.testclient import TestClient

    records = sample_records(service.FEATURE_SCHEMA, 40, seed=21)
    with TestClient(service.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
        info = client.post("/model_info", json={}).json()
        answers = client.post("/predict_batch", json=records).json()
    assert info["runtime"] == "onnx" and info["runtime_reason"].startswith("parity held at registration: double")
    assert info["onnx"]["passed"] and info["onnx"]["max_diff"] <= info["onnx"]["tolerance"]
    expected = expected_answers(service.PIPELINE, service.FEATURE_SCHEMA, records)
    assert [a["label"] for a in answers] == expected.predictions
    served = np.array([[a["probabilities"][c] for c in expected.classes] for a in answers])
    assert np.abs(served - expected.probabilities).max() < 1e-12  # double precision: scikit-learn's numbers


def test_a_model_the_converter_cannot_take_is_served_by_scikit_learn_and_says_why(
    hgb: Any, hgb_model: SavedModel
) -> None:
    info = hgb.post("/model_info", json={}).json()
    assert info["runtime"] == "sklearn"
    assert info["runtime_reason"].startswith("HistGradientBoostingClassifier does not convert to ONNX")
    assert info["onnx"]["runtime"] == "sklearn" and info["onnx"]["reason"] == info["runtime_reason"]
    records = sample_records(hgb_model.schema, 30, seed=4)
    answers = hgb.post("/predict_batch", json=records).json()
    expected = expected_answers(hgb_model.pipeline, hgb_model.schema, records)
    assert [a["label"] for a in answers] == expected.predictions
    served = np.array([[a["probabilities"][c] for c in expected.classes] for a in answers])
    np.testing.assert_array_equal(served, expected.probabilities)


def test_runtime_onnx_refuses_a_model_without_a_passing_graph(hgb_model: SavedModel) -> None:
    import bentoml

    with pytest.raises(ServingError, match=r"service.runtime is onnx, but HistGradientBoostingClassifier does not"):
        load_runtime(bentoml.models.get(hgb_model.tag), "onnx", 1, hgb_model.schema)


def test_runtime_sklearn_never_runs_the_graph_and_answers_the_same(service: Any) -> None:
    import bentoml

    stored = bentoml.models.get(service.MODEL_TAG)
    schema = service.FEATURE_SCHEMA
    sklearn = load_runtime(stored, "sklearn", 1, schema)
    onnx = load_runtime(stored, "auto", 1, schema)
    assert (sklearn.name, sklearn.reason, onnx.name) == ("sklearn", "service.runtime is sklearn", "onnx")
    assert sklearn.classes == onnx.classes
    columns = columns_of(sample_records(schema, 50, seed=2), schema)
    assert np.abs(sklearn.call(columns) - onnx.call(columns)).max() < 1e-12


def test_a_model_imported_before_compilation_is_served_by_scikit_learn(service: Any) -> None:
    import bentoml

    from conveyor.serving.bento_model import save_served_model

    tag = "svc-test-churn-old:v1"
    metadata = {"registry_model": "old", "registry_version": "1"}
    save_served_model(tag, service.PIPELINE, service.FEATURE_SCHEMA, "", metadata)
    runtime = load_runtime(bentoml.models.get(tag), "auto", 1, service.FEATURE_SCHEMA)
    assert runtime.name == "sklearn" and "has no ONNX parity report" in runtime.reason


BAD_BODIES = [
    ("/predict", b'{"tenure_months": "x"}'),
    ("/predict", b"[]"),
    ("/predict", b"{}"),
    ("/predict", b'{"tenure_months": 1, "extra": 2}'),
    ("/predict_batch", b"[]"),
    ("/predict_batch", b'[{"tenure_months": 1e999}]'),
    ("/predict_batch", b'{"not": "a list"}'),
    ("/predict_batch", b"[" + b",".join([b"{}"] * 1001) + b"]"),
    ("/predict", b"{bad json"),
]


def test_the_direct_path_answers_bad_requests_exactly_as_bentoml_does(service: Any, hgb: Any, hgb_service: Any) -> None:
    """The graph's /predict and /predict_batch are answered beside BentoML's routing (conveyor/serving/direct.py);
    the scikit-learn fallback goes through BentoML. Both serve the same features, so a bad body gets the same
    answer from both, headers included."""
    from starlette.testclient import TestClient

    with TestClient(service.Conveyor.to_asgi(), raise_server_exceptions=False) as direct:
        # filled when a service instance loads its model: the test client has started one by now
        assert set(service.DIRECT) == {"/predict", "/predict_batch"} and hgb_service.DIRECT == {}
        for path, body in BAD_BODIES:
            ours = direct.post(path, content=body, headers={"content-type": "application/json"})
            theirs = hgb.post(path, content=body, headers={"content-type": "application/json"})
            assert (ours.status_code, ours.content) == (theirs.status_code, theirs.content), (path, body[:40])
            assert 400 <= ours.status_code < 500
            assert ours.headers.get("server") == theirs.headers.get("server")  # BentoML's, but on the guard's 400
            assert ours.headers["content-type"] == theirs.headers["content-type"]
        good = sample_records(service.FEATURE_SCHEMA, 3, seed=5)
        one = direct.post("/predict", json=good[0])
        many = direct.post("/predict_batch", json=good)
    assert one.status_code == many.status_code == 200
    assert list(one.json()) == ["id", "label", "probabilities", "model_version"]
    assert [list(a) for a in many.json()] == [list(one.json())] * 3
