"""The parity comparison: every kind of difference between served and in-process predictions is reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conveyor.config import Features
from conveyor.features.schema import feature_schema
from conveyor.serving.parity import Expected, allowed_difference, compare, expected_answers, served_tolerance
from conveyor.training.models import build_pipeline

CLASSES = ("no", "yes")
EXPECTED = Expected("classification", ["no", "yes"], np.array([[0.9, 0.1], [0.2, 0.8]]), CLASSES)
NUMBERS = Expected("regression", [0.5, 250.0, -2000.0])


def served(*rows: tuple[str, float, str]) -> list[dict]:
    return [{"label": label, "probabilities": {"no": 1 - p, "yes": p}, "model_version": v} for label, p, v in rows]


def numbers(*values: object, version: str = "3") -> list[dict]:
    return [{"prediction": value, "model_version": version} for value in values]


def test_equal_predictions_pass() -> None:
    report = compare(served(("no", 0.1, "3"), ("yes", 0.8, "3")), EXPECTED, "3", 1e-9)
    assert report["problems"] == []
    assert report["max_abs_diff"] < 1e-9
    assert report["task"] == "classification" and report["records"] == 2


def test_labels_probabilities_versions_and_counts_are_all_reported() -> None:
    report = compare(served(("yes", 0.1, "3"), ("yes", 0.7, "2")), EXPECTED, "3", 1e-9)
    assert len(report["problems"]) == 3  # record 0 label; record 1 version and probabilities
    assert report["max_abs_diff"] > 0.09
    assert compare(served(("no", 0.1, "3")), EXPECTED, "3", 1e-9)["problems"]


def test_a_regression_answer_for_a_classifier_is_reported() -> None:
    problems = compare(numbers(0.1, 0.8), EXPECTED, "3", 1e-9)["problems"]
    assert problems == [
        "record 0: label None, expected 'no'", "record 0: classes [], expected ['no', 'yes']",
        "record 1: label None, expected 'yes'", "record 1: classes [], expected ['no', 'yes']",
    ]


def test_equal_numbers_pass_and_the_report_says_the_task() -> None:
    report = compare(numbers(0.5, 250.0, -2000.0), NUMBERS, "3", 0.0)
    assert report["problems"] == []
    assert report == {"task": "regression", "records": 3, "max_abs_diff": 0.0, "problems": [], "tolerance": 0.0}


def test_the_regression_tolerance_is_absolute_below_one_and_relative_above() -> None:
    assert allowed_difference(0.5, 1e-3) == pytest.approx(1e-3)
    assert allowed_difference(-2000.0, 1e-3) == pytest.approx(2.0)
    within = compare(numbers(0.5 + 0.9e-3, 250.0 + 0.24, -2000.0 - 1.9), NUMBERS, "3", 1e-3)
    assert within["problems"] == []
    assert within["max_abs_diff"] == pytest.approx(1.9)
    outside = compare(numbers(0.5 + 1.1e-3, 250.0 - 0.26, -2000.0 + 2.1), NUMBERS, "3", 1e-3)
    assert [p.split(":")[0] for p in outside["problems"]] == ["record 0", "record 1", "record 2"]
    assert "differs by 0.26 (allowed 0.25)" in outside["problems"][1]


@pytest.mark.parametrize("bad", [None, "250.0", True, float("nan"), float("inf")])
def test_a_served_value_that_is_not_a_finite_number_is_reported(bad: object) -> None:
    problems = compare(numbers(0.5, bad, -2000.0), NUMBERS, "3", 1e-3)["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("record 1: prediction") and "not a finite number" in problems[0]


def test_regression_counts_and_versions_are_reported() -> None:
    problems = compare(numbers(0.5, 250.0, version="2"), NUMBERS, "3", 1e-9)["problems"]
    assert problems == [
        "2 predictions served for 3 records",
        "record 0: model version '2', expected '3'",
        "record 1: model version '2', expected '3'",
    ]


FEATURES = Features(numeric=["x"], categorical=["c"])
FRAME = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 7.0], "c": list("abababab")})


def test_expected_answers_follow_the_task_of_the_schema() -> None:
    target = FRAME["x"].fillna(6.0) * 10
    regressor = build_pipeline("random_forest", FEATURES, seed=1, task="regression").fit(FRAME, target)
    schema = feature_schema(FRAME.assign(y=target), FEATURES, "y", task="regression")
    records = [{"x": 2.0, "c": "a"}, {"x": None, "c": None}]
    answers = expected_answers(regressor, schema, records)
    assert answers.task == "regression" and answers.probabilities is None
    assert all(isinstance(v, float) for v in answers.predictions)

    labels = pd.Series(["yes", "no"] * 4)
    classifier = build_pipeline("logistic_regression", FEATURES, seed=1).fit(FRAME, labels)
    schema = feature_schema(FRAME.assign(y=labels), FEATURES, "y")
    answers = expected_answers(classifier, schema, records)
    assert answers.task == "classification" and answers.classes == CLASSES
    assert set(answers.predictions) <= set(CLASSES) and answers.probabilities is not None
    assert answers.head(1).predictions == answers.predictions[:1]
    assert answers.head(1).probabilities.shape == (1, 2)


def test_a_service_running_the_graph_is_held_to_the_tolerance_its_graph_passed() -> None:
    onnx = {"runtime": "onnx", "onnx": {"tolerance": 1e-5}}
    assert served_tolerance(1e-9, onnx) == 1e-5
    assert served_tolerance(1e-3, onnx) == 1e-3  # the check's own, when it is the looser one
    assert served_tolerance(1e-9, {"runtime": "sklearn", "onnx": {"tolerance": 1e-5}}) == 1e-9
    assert served_tolerance(1e-9, {"runtime": "onnx", "onnx": None}) == 1e-9
