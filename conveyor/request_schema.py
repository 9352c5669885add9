"""Request models generated from the feature schema stored with a model version.

Field names, types, allowed categories and optional fields all come from the schema that training
stored (``conveyor.schema``), so a request that the model cannot take is refused with a 4xx that
names the field, before it reaches the model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import AllowInfNan, BaseModel, ConfigDict, Field, Strict, StrictStr, create_model


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


def record_model(schema: dict[str, Any], name: str = "Record") -> type[BaseModel]:
    """A pydantic model of one record: unknown fields are forbidden; nullable features are optional."""
    fields: dict[str, Any] = {}
    for index, feature in enumerate(schema["features"]):
        typ = _field_type(feature)
        description = f"{feature['kind']} feature" + (", may be null or left out" if feature["nullable"] else "")
        if feature["nullable"]:
            fields[f"f{index}"] = (typ | None, Field(None, alias=feature["name"], description=description))
        else:
            fields[f"f{index}"] = (typ, Field(alias=feature["name"], description=description))
    config = ConfigDict(extra="forbid", json_schema_extra={"example": example_record(schema)})
    return create_model(name, __config__=config, **fields)


def to_frame(records: list[BaseModel], schema: dict[str, Any]) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The records as the DataFrame the sklearn Pipeline was trained on (missing values as NaN), and as dicts."""
    rows = [r.model_dump(by_alias=True) for r in records]
    columns: dict[str, Any] = {}
    for feature in schema["features"]:
        name = feature["name"]
        values = [row.get(name) for row in rows]
        if feature["kind"] == "numeric":
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype="float64")
        else:
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=object)
    return pd.DataFrame(columns), rows


def sample_records(schema: dict[str, Any], rows: int, seed: int) -> list[dict[str, Any]]:
    """``rows`` valid records drawn from the schema's ranges and categories, nulls included where allowed."""
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
            else:
                record[feature["name"]] = str(rng.choice(feature.get("categories") or ["a"]))
        records.append(record)
    return records
