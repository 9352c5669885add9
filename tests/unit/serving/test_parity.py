"""The parity comparison: every kind of difference between served and in-process predictions is reported."""

from __future__ import annotations

import numpy as np

from conveyor.serving.parity import compare

CLASSES = ["no", "yes"]
EXPECTED = np.array([[0.9, 0.1], [0.2, 0.8]])


def served(*rows: tuple[str, float, str]) -> list[dict]:
    return [{"label": label, "probabilities": {"no": 1 - p, "yes": p}, "model_version": v} for label, p, v in rows]


def test_equal_predictions_pass() -> None:
    report = compare(served(("no", 0.1, "3"), ("yes", 0.8, "3")), EXPECTED, ["no", "yes"], CLASSES, "3", 1e-9)
    assert report["problems"] == []
    assert report["max_abs_diff"] < 1e-9


def test_labels_probabilities_versions_and_counts_are_all_reported() -> None:
    report = compare(served(("yes", 0.1, "3"), ("yes", 0.7, "2")), EXPECTED, ["no", "yes"], CLASSES, "3", 1e-9)
    assert len(report["problems"]) == 3  # record 0 label; record 1 version and probabilities
    assert report["max_abs_diff"] > 0.09
    assert compare(served(("no", 0.1, "3")), EXPECTED, ["no", "yes"], CLASSES, "3", 1e-9)["problems"]
