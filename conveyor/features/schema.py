"""The feature schema stored with each model version: what serving and batch inference validate against."""

from __future__ import annotations

from typing import Any

import pandas as pd

from conveyor.config import Features


def task_of(schema: dict[str, Any]) -> str:
    """The task a stored schema was made for (schemas from before tasks existed are classification)."""
    return str(schema.get("task", "classification"))


def feature_schema(
    frame: pd.DataFrame, features: Features, target: str, task: str = "classification"
) -> dict[str, Any]:
    """Names, kinds, ranges, allowed categories and nullability of each feature, plus the task and its classes
    (none for regression)."""
    columns: list[dict[str, Any]] = []
    for name in features.all:
        values = frame[name]
        entry: dict[str, Any] = {
            "name": name,
            "kind": "numeric" if name in features.numeric else "categorical",
            "dtype": str(values.dtype),
            "nullable": bool(values.isna().any()),
        }
        present = values.dropna()
        if name in features.numeric:
            entry["integer"] = bool(pd.api.types.is_integer_dtype(values))
            entry["min"] = float(present.min()) if len(present) else None
            entry["max"] = float(present.max()) if len(present) else None
        else:
            entry["categories"] = sorted(str(v) for v in present.unique())
        columns.append(entry)
    classes = sorted(str(c) for c in frame[target].dropna().unique()) if task == "classification" else []
    return {"target": target, "task": task, "classes": classes, "features": columns}
