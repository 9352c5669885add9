"""A compiled model: the champion Pipeline as one ONNX graph, run by ONNX Runtime from plain column lists.

The graph (built by conveyor/training/onnx_export.py) has one input per feature, named as the feature and
shaped ``[N, 1]``: double for a numeric feature (a missing value is NaN) and string for a categorical one (a
missing value is ``MISSING_CATEGORY``). It has one output: ``probabilities`` ``[N, classes]`` for a classifier,
in the order of the Pipeline's ``classes_``, or ``prediction`` ``[N, 1]`` for a regressor.

``OnnxPredictor.run`` takes the validated records column by column (``features.requests.columns_of``) and
builds the arrays straight from the lists: no pandas on the hot path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# What a missing category is in the graph: its imputer replaces this string (the Pipeline's own replaces NaN).
MISSING_CATEGORY = "__conveyor_missing__"
PROBABILITIES = "probabilities"
PREDICTION = "prediction"
ONNX_FILE = "model.onnx"


class OnnxPredictor:
    """An ONNX Runtime session of a compiled model, with the feature kinds its inputs need.

    ``threads`` is ONNX Runtime's intra-op thread count: one per service worker keeps workers from competing
    for cores (``service.onnx_threads``).
    """

    def __init__(self, model: bytes | str, features: list[dict[str, Any]], threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: ORT otherwise warns about unused initializers
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.numeric = {f["name"]: f["kind"] == "numeric" for f in features}
        inputs = {i.name for i in self.session.get_inputs()}
        if inputs != set(self.numeric):
            raise ValueError(f"the graph's inputs {sorted(inputs)} are not the features {sorted(self.numeric)}")
        self.output = self.session.get_outputs()[0].name

    def run(self, columns: dict[str, list[Any]]) -> np.ndarray:
        """Class probabilities ``[N, classes]`` or predictions ``[N]`` for the columns (None where missing)."""
        out = self.session.run([self.output], self.feeds(columns))[0]
        return out.ravel() if self.output == PREDICTION else out

    def feeds(self, columns: dict[str, list[Any]]) -> dict[str, np.ndarray]:
        """The graph's input arrays for the columns: ``[N, 1]`` each, straight from the lists."""
        feeds: dict[str, np.ndarray] = {}
        for name, numeric in self.numeric.items():
            values = columns[name]
            if numeric:
                feeds[name] = np.array(values, dtype=np.float64).reshape(-1, 1)  # None becomes NaN
            else:
                feeds[name] = np.array(
                    [MISSING_CATEGORY if v is None else v for v in values], dtype=object
                ).reshape(-1, 1)
        return feeds


def frame_columns(frame: Any, features: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A DataFrame's feature columns as lists, None where a value is missing (as ``columns_of`` gives them)."""
    import pandas as pd

    columns: dict[str, list[Any]] = {}
    for feature in features:
        series = frame[feature["name"]]
        if feature["kind"] == "numeric":
            columns[feature["name"]] = series.astype("float64").tolist()
        else:
            columns[feature["name"]] = [None if pd.isna(v) else str(v) for v in series.tolist()]
    return columns
