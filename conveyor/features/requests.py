"""Request models generated from the feature schema stored with a model version.

Field names, types, allowed categories and optional fields all come from the schema that training
stored (``conveyor.features.schema``), so a request that the model cannot take is refused with a 4xx that
names the field, before it reaches the model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

import numpy as np
import pandas as pd
from pydantic import AllowInfNan, ConfigDict, Field, Strict, StrictStr
from typing_extensions import TypedDict  # pydantic needs this one on Python < 3.12


def _field_type(feature: dict[str, Any]) -> Any:
    if feature["kind"] == "numeric":
        # JSON numbers only: no strings, no booleans, and no Infinity/NaN (the model cannot score them).
        return Annotated[float, Strict(), AllowInfNan(False)]
    categories = feature.get("categories") or []
    if categories and not feature.get("allow_unknown", False):
        return Literal[tuple(categories)]
    return StrictStr


def example_record(schema: dict[str, Any]) -> dict[str, Any]:
    """A valid record for the OpenAPI page: mid-range numbers and the first category."""
    example: dict[str, Any] = {}
    for feature in schema["features"]:
        if feature["kind"] == "numeric":
            low, high = feature.get("min"), feature.get("max")
            value = (low + high) / 2 if low is not None and high is not None else 0.0
            example[feature["name"]] = round(value) if feature.get("integer") else round(value, 2)
        else:
            example[feature["name"]] = (feature.get("categories") or ["a"])[0]
    return example


def record_type(schema: dict[str, Any], name: str = "Record") -> Any:
    """A ``TypedDict`` of one record: unknown fields are forbidden; nullable features may be null or left out.

    A TypedDict rather than a model class: pydantic validates a list of them in about a third of the time
    (they stay dicts), which is most of what a 100-record request costs before the model runs.
    """
    fields: dict[str, Any] = {}
    for feature in schema["features"]:
        typ = _field_type(feature)
        if feature["nullable"]:
            description = f"{feature['kind']} feature, may be null or left out"
            fields[feature["name"]] = NotRequired[Annotated[typ | None, Field(description=description)]]
        else:
            fields[feature["name"]] = Annotated[typ, Field(description=f"{feature['kind']} feature")]
    record = TypedDict(name, fields)  # type: ignore[operator]
    record.__pydantic_config__ = ConfigDict(extra="forbid", json_schema_extra={"example": example_record(schema)})
    return record


def columns_of(records: list[dict[str, Any]], schema: dict[str, Any]) -> dict[str, list[Any]]:
    """Validated records column by column, in the schema's order, None where a value is missing."""
    return {feature["name"]: [r.get(feature["name"]) for r in records] for feature in schema["features"]}


def to_frame(columns: dict[str, list[Any]], schema: dict[str, Any]) -> pd.DataFrame:
    """The columns as the DataFrame the sklearn Pipeline was trained on, missing values as NaN."""
    frame: dict[str, Any] = {}
    for feature in schema["features"]:
        values = columns[feature["name"]]
        if feature["kind"] == "numeric":
            frame[feature["name"]] = np.array(values, dtype="float64")  # None becomes NaN
        else:
            frame[feature["name"]] = np.array([np.nan if v is None else v for v in values], dtype=object)
    return pd.DataFrame(frame)


def sample_records(schema: dict[str, Any], rows: int, seed: int) -> list[dict[str, Any]]:
    """``rows`` valid records drawn from the schema's ranges and categories, nulls included where allowed.

    Every category of a feature is in the first records (with ``rows`` at least the number of categories).
    """
    rng = np.random.default_rng(seed)
    records: list[dict[str, Any]] = []
    for row in range(rows):
        record: dict[str, Any] = {}
        for feature in schema["features"]:
            if feature["nullable"] and row % 7 == 3:
                record[feature["name"]] = None
            elif feature["kind"] == "numeric":
                low = feature.get("min") if feature.get("min") is not None else 0.0
                high = feature.get("max") if feature.get("max") is not None else 1.0
                value = float(rng.uniform(low, high))
                record[feature["name"]] = float(round(value)) if feature.get("integer") else value
            else:  # every category within the first rows, then drawn at random
                categories = feature.get("categories") or ["a"]
                pick = categories[row] if row < len(categories) else rng.choice(categories)
                record[feature["name"]] = str(pick)
        records.append(record)
    return records
