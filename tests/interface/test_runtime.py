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
def hgb(service: Any, hgb_model: SavedModel) -> Iterator[Any]:
    from starlette.testclient import TestClient

    module = load_service(hgb_model.tag, "service_runtime_hgb")
    with TestClient(module.Conveyor.to_asgi(), raise_server_exceptions=False) as client:
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
