"""Read a configured data source into a DataFrame."""

from __future__ import annotations

from typing import Any

import pandas as pd

from conveyor import storage
from conveyor.config import DataSource
from conveyor.data.churn import generate_churn
from conveyor.errors import DataSourceError

SKLEARN_DATASETS = ("iris", "wine", "breast_cancer")


def _sklearn(name: str) -> pd.DataFrame:
    from sklearn import datasets

    if name not in SKLEARN_DATASETS:
        raise DataSourceError(f"unknown scikit-learn dataset '{name}': choose one of {', '.join(SKLEARN_DATASETS)}")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c).replace(" ", "_").replace("(", "").replace(")", "") for c in frame.columns]
    return frame


def read_table(location: str, kind: str, key: str, **options: Any) -> pd.DataFrame:
    """Read a csv or parquet file at a local path or URI; errors name the file and the config ``key``."""
    if not storage.exists(location, key):
        raise DataSourceError(f"data file {location} does not exist: check `{key}` in the run config")
    try:
        with storage.open_file(location, key) as handle:
            return pd.read_csv(handle, **options) if kind == "csv" else pd.read_parquet(handle, **options)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear error
        raise DataSourceError(
            f"could not read {kind} file {location} (`{key}`): {exc}; check that it is a {kind} file"
        ) from exc


def load_source(source: DataSource, seed: int, key: str = "data.path") -> pd.DataFrame:
    """Load ``source``; ``seed`` drives the churn generator; ``key`` is where its path is configured."""
    if source.kind == "churn":
        assert source.rows is not None  # guaranteed by the schema
        return generate_churn(source.rows, seed=seed, drift=source.drift)
    if source.kind == "sklearn":
        assert source.name is not None
        return _sklearn(source.name)
    assert source.path is not None
    return read_table(storage.locate(source.path), source.kind, key)
