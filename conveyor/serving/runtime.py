"""Which runtime answers the service's model calls: the compiled ONNX graph, or the scikit-learn Pipeline.

``service.runtime``:

- ``auto`` (the default): the graph when the model's parity check passed at registration, else scikit-learn;
- ``onnx``: the graph, or no start: ServingError when the model has no graph that passed;
- ``sklearn``: never the graph.

Whichever runs, the reason is in the service's log at start, in ``/model_info`` (``runtime``,
``runtime_reason``, ``onnx``) and in the model card (written at registration). The service loads only what it
runs: the graph, or the skops file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from conveyor.config.deployment import Runtime
from conveyor.errors import ServingError
from conveyor.features.requests import to_frame
from conveyor.features.schema import task_of
from conveyor.platform.onnx_runtime import OnnxPredictor
from conveyor.serving.bento_model import load_sklearn, onnx_graph_of, onnx_parity_of


@dataclass(frozen=True)
class ModelRuntime:
    """What the service calls: columns (None where missing) -> class probabilities or predictions."""

    name: str  # "onnx" or "sklearn"
    reason: str
    classes: list[str]  # a classifier's, in the order of its probability columns; [] for a regressor
    call: Callable[[dict[str, list[Any]]], np.ndarray]
    parity: dict[str, Any] | None  # the model's ONNX parity report from registration (None: it has none)


def choose_runtime(setting: Runtime, parity: dict[str, Any] | None, has_graph: bool, model: str) -> tuple[str, str]:
    """The runtime for ``setting`` and the model's parity report, and why; ServingError for an impossible ``onnx``."""
    if setting == "sklearn":
        return "sklearn", "service.runtime is sklearn"
    if parity is None:
        reason = f"{model} has no ONNX parity report: it was registered or imported before Conveyor compiled models"
    elif parity.get("runtime") != "onnx":
        reason = str(parity.get("reason") or "its parity check did not pass")
    elif not has_graph:
        reason = f"{model} passed its parity check but holds no graph: delete it from BentoML's store and deploy again"
    else:
        return "onnx", (
            f"parity held at registration: {parity.get('precision')} precision, largest difference "
            f"{parity.get('max_diff'):.3g} (tolerance {parity.get('tolerance'):g})"
        )
    if setting == "onnx":
        raise ServingError(
            f"service.runtime is onnx, but {reason}; set service.runtime to auto (scikit-learn then serves it) or "
            "retrain so that the new version compiles"
        )
    return "sklearn", reason


def load_runtime(stored: Any, setting: Runtime, threads: int, schema: dict[str, Any]) -> ModelRuntime:
    """The runtime of BentoML model ``stored`` (a ``bentoml.models.get`` result) for ``service.runtime``."""
    parity = onnx_parity_of(stored)
    graph = onnx_graph_of(stored)
    name, reason = choose_runtime(setting, parity, graph is not None, f"BentoML model {stored.tag}")
    regression = task_of(schema) == "regression"
    if name == "onnx":
        assert graph is not None and parity is not None
        predictor = OnnxPredictor(graph, schema["features"], threads)
        return ModelRuntime("onnx", reason, [] if regression else list(parity["classes"]), predictor.run, parity)
    model = load_sklearn(stored)  # skops, with the trusted list stored beside it
    if regression:
        return ModelRuntime(
            "sklearn", reason, [],
            lambda columns: np.asarray(model.predict(to_frame(columns, schema)), dtype="float64"), parity,
        )
    classes = [str(c) for c in model.classes_]
    return ModelRuntime(
        "sklearn", reason, classes, lambda columns: model.predict_proba(to_frame(columns, schema)), parity
    )
