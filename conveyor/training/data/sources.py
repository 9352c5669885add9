"""Read a configured data source into a DataFrame."""

from __future__ import annotations

import pandas as pd

from conveyor.config import DataSource
from conveyor.errors import DataSourceError
from conveyor.platform import storage
from conveyor.training.data.churn import generate_churn

SKLEARN_DATASETS = ("iris", "wine", "breast_cancer", "diabetes")  # diabetes: a regression target


def _sklearn(name: str) -> pd.DataFrame:
    from sklearn import datasets

    if name not in SKLEARN_DATASETS:
        raise DataSourceError(f"unknown scikit-learn dataset '{name}': choose one of {', '.join(SKLEARN_DATASETS)}")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c).replace(" ", "_").replace("(", "").replace(")", "") for c in frame.columns]
    return frame


def load_source(source: DataSource, seed: int, key: str = "data.path") -> pd.DataFrame:
    """Load ``source``; ``seed`` drives the churn generator; ``key`` is where its path is configured."""
    if source.kind == "churn":
        assert source.rows is not None  # guaranteed by the schema
        return generate_churn(source.rows, seed=seed, drift=source.drift)
    if source.kind == "sklearn":
        assert source.name is not None
        return _sklearn(source.name)
    assert source.path is not None
    return storage.read_table(storage.locate(source.path), source.kind, key)
