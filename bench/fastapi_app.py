"""The baseline: a minimal FastAPI app serving the same sklearn Pipeline (no validation beyond JSON).

Run by bench/serving.py as ``uvicorn bench.fastapi_app:app`` with BENCH_MODEL_PATH pointing at a pickle.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import pandas as pd
from fastapi import FastAPI

app = FastAPI()
_model: Any = None


@app.on_event("startup")
def load() -> None:
    global _model
    with open(os.environ["BENCH_MODEL_PATH"], "rb") as handle:
        _model = pickle.load(handle)


def _answer(frame: pd.DataFrame) -> list[dict[str, Any]]:
    probabilities = _model.predict_proba(frame)
    classes = [str(c) for c in _model.classes_]
    return [
        {"label": classes[int(row.argmax())], "probabilities": dict(zip(classes, map(float, row), strict=True))}
        for row in probabilities
    ]


@app.post("/predict")
def predict(record: dict[str, Any]) -> dict[str, Any]:
    return _answer(pd.DataFrame([record]))[0]


@app.post("/predict_batch")
def predict_batch(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _answer(pd.DataFrame(records))
