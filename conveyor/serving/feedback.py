"""The ``/feedback`` request: ground-truth labels by prediction id, typed by the served model's task.

A label is a class of the model for a classifier (a string, or a number whose ``str`` is a class, as an
integer-labelled model's classes are "0", "1", ...; stored as the class's name), and a finite JSON number for
a regressor (not a boolean). An ``id`` is a prediction id as the service answers it (``format.ID_PATTERN``).
Anything else is refused with a 4xx whose ``loc`` names the record and field (``[3, "label"]``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AllowInfNan, ConfigDict, Field, PlainValidator, Strict, StrictStr
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12

from conveyor.features.schema import task_of
from conveyor.prediction_log.format import ID_PATTERN

EXAMPLE_ID = "4f0c1c5e9d8b4a3f9e2d7c6b5a493827"  # a prediction id for the OpenAPI page's examples


def _class_of(classes: list[str]) -> Any:
    """A validator: the class a label names, or a 'label_class' error listing the classes."""
    known = frozenset(classes)

    def check(value: Any) -> str:
        if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value) in known:
            return str(value)
        raise PydanticCustomError(
            "label_class",
            "Label must be one of the model's classes {classes} (a string, or a number whose text is one); got {got}",
            {"classes": ", ".join(classes), "got": repr(value)[:80]},
        )

    return check


def label_type(schema: dict[str, Any]) -> Any:
    """The type of one label for a model with feature ``schema``: a class name, or a finite number."""
    if task_of(schema) == "regression":
        return Annotated[
            float, Strict(), AllowInfNan(False), Field(description=f"the true value of {schema.get('target')!r}")
        ]
    classes = [str(c) for c in schema.get("classes") or []]
    if not classes:  # a schema saved without its classes: any class name
        return Annotated[StrictStr, Field(min_length=1, description="the true class")]
    return Annotated[
        str,
        PlainValidator(_class_of(classes), json_schema_input_type=Literal[tuple(classes)]),
        Field(description="the true class: one of the model's classes (a number whose text is one is taken too)"),
    ]


def example_label(schema: dict[str, Any]) -> dict[str, Any]:
    """A labelled prediction of the right type for the OpenAPI page."""
    label = 151.5 if task_of(schema) == "regression" else str((schema.get("classes") or ["yes"])[-1])
    return {"id": EXAMPLE_ID, "label": label}


def label_record_type(schema: dict[str, Any]) -> Any:
    """A ``TypedDict`` of one labelled prediction, ``{"id": ..., "label": ...}``; other fields are refused."""
    fields = {
        "id": Annotated[StrictStr, Field(pattern=ID_PATTERN, description="the id the prediction was answered with")],
        "label": label_type(schema),
    }
    record = TypedDict("Label", fields)  # type: ignore[operator]
    record.__pydantic_config__ = ConfigDict(extra="forbid", json_schema_extra={"example": example_label(schema)})
    return record


def feedback_type(schema: dict[str, Any], max_rows: int) -> Any:
    """The body of ``/feedback``: a list of 1 to ``max_rows`` labelled predictions."""
    return Annotated[
        list[label_record_type(schema)],  # type: ignore[misc]
        Field(min_length=1, max_length=max_rows, json_schema_extra={"example": [example_label(schema)]}),
    ]
