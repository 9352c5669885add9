"""The /feedback body generated from a feature schema: what a label may be, per task, and where errors point."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from conveyor.prediction_log.format import new_ids
from conveyor.serving.feedback import feedback_type

ID = new_ids(1)[0]
BINARY = {"task": "classification", "classes": ["no", "yes"], "target": "churned", "features": []}
DIGITS = {"task": "classification", "classes": ["0", "1", "10", "2"], "target": "digit", "features": []}
REGRESSION = {"task": "regression", "classes": [], "target": "target", "features": []}


def validate(schema: dict[str, Any], body: Any, max_rows: int = 5) -> list[dict[str, Any]]:
    return TypeAdapter(feedback_type(schema, max_rows)).validate_python(body)


def errors(schema: dict[str, Any], body: Any, max_rows: int = 5) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as failure:
        validate(schema, body, max_rows)
    return [error["loc"] for error in failure.value.errors()]


def test_a_classifier_takes_its_class_names_and_numbers_whose_text_is_one() -> None:
    assert validate(BINARY, [{"id": ID, "label": "yes"}]) == [{"id": ID, "label": "yes"}]
    assert validate(DIGITS, [{"id": ID, "label": 10}, {"id": ID, "label": "2"}]) == [
        {"id": ID, "label": "10"},  # stored as the class's name
        {"id": ID, "label": "2"},
    ]


@pytest.mark.parametrize(
    ("schema", "label"),
    [(BINARY, "maybe"), (BINARY, 1), (BINARY, None), (BINARY, ["yes"]), (DIGITS, 1.0), (DIGITS, True), (DIGITS, 3)],
)
def test_an_unknown_class_or_a_wrong_type_points_at_the_label(schema: dict[str, Any], label: Any) -> None:
    assert errors(schema, [{"id": ID, "label": "yes" if schema is BINARY else "0"}, {"id": ID, "label": label}]) == [
        (1, "label")
    ]


def test_a_regressor_takes_finite_numbers_only() -> None:
    assert validate(REGRESSION, [{"id": ID, "label": 3}, {"id": ID, "label": -0.5}]) == [
        {"id": ID, "label": 3.0},
        {"id": ID, "label": -0.5},
    ]
    for label in (True, "1.5", None, float("inf"), float("nan")):
        assert errors(REGRESSION, [{"id": ID, "label": label}]) == [(0, "label")], label


def test_ids_missing_fields_extra_fields_and_the_list_length() -> None:
    assert errors(BINARY, [{"id": "not-an-id", "label": "yes"}]) == [(0, "id")]
    assert errors(BINARY, [{"id": ID.upper(), "label": "yes"}]) == [(0, "id")]
    assert errors(BINARY, [{"id": 7, "label": "yes"}]) == [(0, "id")]
    assert errors(BINARY, [{"label": "yes"}]) == [(0, "id")]
    assert errors(BINARY, [{"id": ID}]) == [(0, "label")]
    assert errors(BINARY, [{"id": ID, "label": "yes", "weight": 2}]) == [(0, "weight")]
    assert errors(BINARY, []) == [()]
    assert errors(BINARY, [{"id": ID, "label": "yes"}] * 3, max_rows=2) == [()]
    assert errors(BINARY, {"id": ID, "label": "yes"}) == [()]


def test_the_schema_documents_the_classes_and_an_example() -> None:
    schema = TypeAdapter(feedback_type(BINARY, 5)).json_schema()
    item = schema["$defs"]["Label"]
    assert item["properties"]["label"]["enum"] == ["no", "yes"]
    assert item["example"]["label"] in BINARY["classes"] and schema["example"] == [item["example"]]
    assert schema["maxItems"] == 5 and schema["minItems"] == 1
    number = TypeAdapter(feedback_type(REGRESSION, 5)).json_schema()["$defs"]["Label"]["properties"]["label"]
    assert number["type"] == "number"
