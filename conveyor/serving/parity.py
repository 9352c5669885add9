"""Compare served predictions with the model's own: the deployment pipeline's last check."""

from __future__ import annotations

from typing import Any

import numpy as np


def compare(
    served: list[dict[str, Any]],
    probabilities: np.ndarray,
    labels: list[str],
    classes: list[str],
    version: str,
    tolerance: float,
) -> dict[str, Any]:
    """A report of every difference (count, labels, probabilities, model version) between served and expected."""
    problems: list[str] = []
    if len(served) != len(labels):
        problems.append(f"{len(served)} predictions served for {len(labels)} records")
    max_diff = 0.0
    for index, (answer, label, row) in enumerate(zip(served, labels, probabilities, strict=False)):
        if answer.get("label") != label:
            problems.append(f"record {index}: label {answer.get('label')!r}, expected {label!r}")
        if answer.get("model_version") != version:
            problems.append(f"record {index}: model version {answer.get('model_version')!r}, expected {version!r}")
        got = answer.get("probabilities", {})
        if set(got) != set(classes):
            problems.append(f"record {index}: classes {sorted(got)}, expected {sorted(classes)}")
            continue
        diff = max(abs(got[c] - float(p)) for c, p in zip(classes, row, strict=True))
        max_diff = max(max_diff, diff)
        if diff > tolerance:
            problems.append(f"record {index}: probabilities differ by {diff:.3g} (tolerance {tolerance:g})")
    return {"records": len(labels), "max_abs_diff": max_diff, "problems": problems, "tolerance": tolerance}
