"""Compare served predictions with the registered model's own: the deployment pipeline's last check.

Classification: every served label must equal the model's ``predict()``, and every class probability may differ
from its ``predict_proba()`` by at most the tolerance. Regression: a served ``prediction`` may differ from the
model's ``predict()`` by at most ``tolerance * max(1, |expected|)`` (``allowed_difference``): relative for
large values, absolute near zero. Either way every answer must name the registered version.

A service that runs the compiled ONNX graph (``/model_info`` ``runtime: onnx``) is held to the larger of the
check's tolerance and the one its graph passed at registration (``served_tolerance``): the graph was gated on
that, and a float graph cannot meet a double Pipeline's 1e-9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from conveyor.errors import DeploymentError
from conveyor.features.schema import task_of
from conveyor.training.onnx_parity import allowed_difference

SINGLE_RECORDS = 5  # the first records of the sample are also sent one by one to /predict


@dataclass(frozen=True)
class Expected:
    """The registered model's answers for the sample records, computed in-process."""

    task: str
    predictions: list[Any]  # labels (classification) or numbers (regression)
    probabilities: np.ndarray | None = None  # one row per record, columns in the order of ``classes``
    classes: tuple[str, ...] = ()

    def head(self, rows: int) -> Expected:
        """The answers for the first ``rows`` records."""
        probabilities = None if self.probabilities is None else self.probabilities[:rows]
        return Expected(self.task, self.predictions[:rows], probabilities, self.classes)


def expected_answers(model: Any, schema: dict[str, Any], records: list[dict[str, Any]]) -> Expected:
    """What ``model`` (a fitted Pipeline) answers for ``records``, by the task of its feature ``schema``."""
    frame = pd.DataFrame(records, columns=[f["name"] for f in schema["features"]])
    frame = frame.where(frame.notna(), np.nan)  # JSON null means missing: NaN, as in the training data
    if task_of(schema) == "regression":
        return Expected("regression", [float(v) for v in np.asarray(model.predict(frame), dtype="float64")])
    labels = [str(label) for label in model.predict(frame)]
    classes = tuple(str(c) for c in model.classes_)
    return Expected("classification", labels, np.asarray(model.predict_proba(frame)), classes)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare(served: list[dict[str, Any]], expected: Expected, version: str, tolerance: float) -> dict[str, Any]:
    """A report of every difference (count, model version, labels and probabilities, or numbers) from ``expected``.

    ``max_abs_diff`` is the largest probability difference (classification) or the largest absolute difference
    of a prediction (regression).
    """
    problems: list[str] = []
    if len(served) != len(expected.predictions):
        problems.append(f"{len(served)} predictions served for {len(expected.predictions)} records")
    max_diff = 0.0
    for index, answer in enumerate(served[: len(expected.predictions)]):
        if answer.get("model_version") != version:
            problems.append(f"record {index}: model version {answer.get('model_version')!r}, expected {version!r}")
        if expected.task == "regression":
            diff = _number_difference(index, answer, expected.predictions[index], tolerance, problems)
        else:
            diff = _class_difference(index, answer, expected, tolerance, problems)
        max_diff = max(max_diff, diff)
    return {
        "task": expected.task,
        "records": len(expected.predictions),
        "max_abs_diff": max_diff,
        "problems": problems,
        "tolerance": tolerance,
    }


def _number_difference(
    index: int, answer: dict[str, Any], value: float, tolerance: float, problems: list[str]
) -> float:
    got = answer.get("prediction")
    if not _is_number(got) or not math.isfinite(got):
        problems.append(f"record {index}: prediction {got!r} is not a finite number, expected {value!r}")
        return 0.0
    diff = abs(float(got) - value)
    allowed = allowed_difference(value, tolerance)
    if diff > allowed:
        problems.append(
            f"record {index}: prediction {got!r}, expected {value!r}: differs by {diff:.3g} (allowed {allowed:.3g})"
        )
    return diff


def _class_difference(
    index: int, answer: dict[str, Any], expected: Expected, tolerance: float, problems: list[str]
) -> float:
    label = expected.predictions[index]
    if answer.get("label") != label:
        problems.append(f"record {index}: label {answer.get('label')!r}, expected {label!r}")
    got = answer.get("probabilities") or {}
    if set(got) != set(expected.classes):
        problems.append(f"record {index}: classes {sorted(got)}, expected {sorted(expected.classes)}")
        return 0.0
    if not all(_is_number(got[c]) for c in expected.classes):
        problems.append(f"record {index}: probabilities {got!r} are not all numbers")
        return 0.0
    row = np.asarray(expected.probabilities)[index]
    diff = max(abs(got[c] - float(p)) for c, p in zip(expected.classes, row, strict=True))
    if not diff <= tolerance:
        problems.append(f"record {index}: probabilities differ by {diff:.3g} (tolerance {tolerance:g})")
    return diff


def served_tolerance(tolerance: float, info: dict[str, Any]) -> float:
    """The tolerance a service with ``/model_info`` answer ``info`` is held to (see the module docstring)."""
    if info.get("runtime") == "onnx" and info.get("onnx"):
        return max(tolerance, float(info["onnx"]["tolerance"]))
    return tolerance


def served_parity(
    client: Any, records: list[dict[str, Any]], expected: Expected, version: str, tolerance: float
) -> dict[str, Any]:
    """POST ``records`` to /predict_batch and the first few to /predict through ``client`` (an httpx client at
    the service's URL); the report of ``compare`` over both, with the version /model_info reports.

    The tolerance is ``served_tolerance``'s for the runtime /model_info names. Raises DeploymentError when an endpoint
    answers anything but 200.
    """
    info = client.post("/model_info", json={})
    batch = client.post("/predict_batch", json=records)
    singles = [client.post("/predict", json=record) for record in records[:SINGLE_RECORDS]]
    for response in (batch, *singles, info):
        if response.status_code != 200:
            raise DeploymentError(f"{response.request.url} answered {response.status_code}: {response.text[:500]}")
    tolerance = served_tolerance(tolerance, info.json())
    report = compare(batch.json(), expected, version, tolerance)
    one_by_one = compare([s.json() for s in singles], expected.head(len(singles)), version, tolerance)
    report["problems"] += [f"/predict {p}" for p in one_by_one["problems"]]
    report["max_abs_diff"] = max(report["max_abs_diff"], one_by_one["max_abs_diff"])
    report["served_version"] = info.json()["version"]
    report["runtime"] = info.json().get("runtime")
    if report["served_version"] != version:
        report["problems"].append(f"/model_info reports version {report['served_version']}, expected {version}")
    return report
