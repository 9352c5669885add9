"""The hard gate between the ONNX graph and scikit-learn: the graph is served only if it answers the same.

``compile_and_check`` compiles the registered Pipeline (conveyor/training/onnx_export.py), splits a forest's trees
into blocks (conveyor/training/onnx_blocks.py; checked whole instead if the blocks miss parity) and compares both on
the holdout and on the seeded parity sample (``features.requests.sample_records``: every category, and nulls
wherever a feature may be null). Classification: labels identical (the graph's label is its most probable class,
as the service answers) and every class probability within the tolerance. Regression: every prediction within
``tolerance * max(1, |scikit-learn's|)`` (``allowed_difference``, which the deployment's HTTP check uses too).

The report says which runtime a service with ``service.runtime: auto`` uses, and why:
``{"runtime": "onnx" | "sklearn", "passed", "reason", "max_diff", "max_abs_diff", "tolerance", "rows", ...}``;
``max_diff`` is what the tolerance bounds (a probability's difference, or a prediction's difference over
``max(1, |value|)``), and ``max_abs_diff`` the plain largest difference; ``tree_blocks`` is how many blocks the
served graph's trees run in (0: not split).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from conveyor.config import OnnxSettings
from conveyor.errors import NotConvertibleError
from conveyor.features.requests import columns_of, sample_records, to_frame
from conveyor.features.schema import task_of
from conveyor.platform.onnx_runtime import OnnxPredictor, frame_columns
from conveyor.training.onnx_blocks import block_trees
from conveyor.training.onnx_export import compile_pipeline

logger = logging.getLogger(__name__)
MAX_PROBLEMS = 5  # rows quoted in a failed report


def allowed_difference(expected: Any, tolerance: float) -> Any:
    """How far a regression prediction may be from ``expected`` (a number or an array): tolerance * max(1, |e|)."""
    return tolerance * np.maximum(1.0, np.abs(expected))


def _compare(
    name: str, model: Any, predictor: OnnxPredictor, frame: pd.DataFrame, columns: dict[str, list[Any]],
    regression: bool, tolerance: float,
) -> tuple[float, float, list[str]]:
    """The largest absolute and the largest scaled difference (what the tolerance bounds) on one set of rows, and
    the rows that break parity."""
    got = predictor.run(columns)
    if regression:
        expected = np.asarray(model.predict(frame), dtype="float64")
        diff = np.abs(got.astype("float64") - expected)
        scaled = diff / allowed_difference(expected, 1.0)
        bad = np.flatnonzero(~(diff <= allowed_difference(expected, tolerance)))
        problems = [f"{name} row {i}: {got[i]!r} vs scikit-learn's {expected[i]!r}" for i in bad[:MAX_PROBLEMS]]
    else:
        expected = np.asarray(model.predict_proba(frame), dtype="float64")
        labels = np.asarray([str(c) for c in model.predict(frame)])
        served = np.asarray([str(c) for c in model.classes_])[np.asarray(got).argmax(axis=1)]
        diff = np.abs(got.astype("float64") - expected).max(axis=1)
        scaled = diff
        wrong_label = np.flatnonzero(served != labels)
        wrong_value = np.flatnonzero(~(diff <= tolerance))
        problems = [f"{name} row {i}: label {served[i]!r} vs {labels[i]!r}" for i in wrong_label[:MAX_PROBLEMS]]
        problems += [
            f"{name} row {i}: probabilities differ by {diff[i]:.3g}" for i in wrong_value[:MAX_PROBLEMS]
        ]
        if len(wrong_label) > MAX_PROBLEMS or len(wrong_value) > MAX_PROBLEMS:
            problems.append(f"{name}: {len(wrong_label)} labels and {len(wrong_value)} probability rows differ")
    return float(np.max(diff, initial=0.0)), float(np.max(scaled, initial=0.0)), problems


def check_parity(
    model: Any, graph: bytes, schema: dict[str, Any], holdout: pd.DataFrame, sample_size: int, seed: int,
    tolerance: float,
) -> dict[str, Any]:
    """Compare ``graph`` with ``model`` on the holdout's features and the seeded sample: the report's parity part."""
    features = schema["features"]
    predictor = OnnxPredictor(graph, features)
    regression = task_of(schema) == "regression"
    records = sample_records(schema, sample_size, seed)
    sample_columns = columns_of(records, schema)
    sets = {
        "holdout": (holdout, frame_columns(holdout, features)),
        "sample": (to_frame(sample_columns, schema), sample_columns),
    }
    largest, largest_scaled, problems = 0.0, 0.0, []
    for name, (frame, columns) in sets.items():
        diff, scaled, found = _compare(name, model, predictor, frame, columns, regression, tolerance)
        largest, largest_scaled, problems = max(largest, diff), max(largest_scaled, scaled), problems + found
    return {
        "passed": not problems,
        "max_diff": largest_scaled,  # what the tolerance bounds: |difference| / max(1, |value|) for a regressor
        "max_abs_diff": largest,
        "tolerance": tolerance,
        "rows": {name: len(frame) for name, (frame, _) in sets.items()},
        "problems": problems,
    }


def compile_and_check(
    model: Any, schema: dict[str, Any], holdout: pd.DataFrame, settings: OnnxSettings, seed: int
) -> tuple[bytes | None, dict[str, Any]]:
    """The graph (None when it is not to be served) and the report of why it is or is not."""
    base: dict[str, Any] = {"tolerance": settings.tolerance, "max_diff": None, "max_abs_diff": None, "precision": None}
    if not settings.convert:
        return None, {**base, "runtime": "sklearn", "passed": False, "reason": "onnx.convert is false"}
    try:
        compiled = compile_pipeline(model, schema["features"])
    except NotConvertibleError as error:
        logger.warning("Not compiled to ONNX: %s; the service will run scikit-learn", error)
        return None, {**base, "runtime": "sklearn", "passed": False, "reason": str(error)}
    graph, blocks = block_trees(compiled.graph)
    parity = check_parity(model, graph, schema, holdout, settings.sample_rows, seed, settings.tolerance)
    if blocks and not parity["passed"]:  # the blocks' float sums never cost a graph its place: try it whole
        logger.info("ONNX graph in %d tree blocks failed parity (%s); checking it whole", blocks, parity["problems"])
        graph, blocks = compiled.graph, 0
        parity = check_parity(model, graph, schema, holdout, settings.sample_rows, seed, settings.tolerance)
    report = {
        **base, **parity, "precision": compiled.precision, "converter": compiled.converter,
        "seconds": round(compiled.seconds, 2), "bytes": len(graph), "tree_blocks": blocks,
    }
    if hasattr(model, "classes_"):  # the graph's probability columns, in this order
        report["classes"] = [str(c) for c in model.classes_]
    if parity["passed"]:
        return graph, {**report, "runtime": "onnx", "reason": None}
    reason = f"parity failed (tolerance {settings.tolerance:g}): " + "; ".join(parity["problems"])
    logger.warning("ONNX graph not served: %s", reason)
    return None, {**report, "runtime": "sklearn", "reason": reason}
