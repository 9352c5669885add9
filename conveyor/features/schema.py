"""The feature schema stored with each model version: what serving and batch inference validate against."""

from __future__ import annotations

from typing import Any

import pandas as pd

from conveyor.config import Features


def feature_schema(frame: pd.DataFrame, features: Features, target: str) -> dict[str, Any]:
    """Names, kinds, ranges, allowed categories and nullability of each feature, plus the classes."""
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
    return {
        "target": target,
        "classes": sorted(str(c) for c in frame[target].dropna().unique()),
        "features": columns,
    }
