"""The service under test: service.py serving a tiny churn model saved under TAG (shared by the service tests)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conveyor.config import Features
from conveyor.request_schema import example_record

TAG = "svc-test-churn:v7"
FEATURES = Features(
    numeric=["tenure_months", "monthly_charges", "support_calls", "age"],
    categorical=["contract", "payment_method", "region"],
)


@pytest.fixture(scope="session")
def service(state_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """service.py serving a tiny churn model saved under TAG, with an `age` that may be missing."""
    from conveyor.bento_model import save_served_model
    from conveyor.data import generate_churn
    from conveyor.models import build_pipeline
    from conveyor.schema import feature_schema

    frame = generate_churn(300, seed=3)
    frame.loc[frame.index[:10], "age"] = np.nan
    pipeline = build_pipeline("logistic_regression", FEATURES, seed=3).fit(frame[FEATURES.all], frame["churned"])
    schema = feature_schema(frame, FEATURES, "churned")
    metadata = {"registry_model": "svc-test-churn", "registry_version": "7", "metrics": {"roc_auc": 0.8}}
    save_served_model(TAG, pipeline, schema, "# card", metadata)
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
