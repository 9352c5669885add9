"""Read a configured data source into a DataFrame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conveyor.config import DataSource
from conveyor.data.churn import generate_churn
from conveyor.errors import DataSourceError
from conveyor.paths import project_root

SKLEARN_DATASETS = ("iris", "wine", "breast_cancer")


def _sklearn(name: str) -> pd.DataFrame:
    from sklearn import datasets

    if name not in SKLEARN_DATASETS:
        raise DataSourceError(f"unknown scikit-learn dataset '{name}': choose one of {', '.join(SKLEARN_DATASETS)}")
    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c).replace(" ", "_").replace("(", "").replace(")", "") for c in frame.columns]
    return frame


def resolve_path(path: str) -> Path:
    """A data path from a config: absolute as given, relative to the project root otherwise."""
    candidate = Path(path)
    return candidate if candidate.is_absolute() else project_root() / candidate


def load_source(source: DataSource, seed: int) -> pd.DataFrame:
    """Load ``source``; ``seed`` drives the churn generator."""
    if source.kind == "churn":
        assert source.rows is not None  # guaranteed by the schema
        return generate_churn(source.rows, seed=seed, drift=source.drift)
    if source.kind == "sklearn":
        assert source.name is not None
        return _sklearn(source.name)
    assert source.path is not None
    path = resolve_path(source.path)
    if not path.exists():
        raise DataSourceError(f"data file {path} does not exist: check `data.path` in the run config")
    try:
        return pd.read_csv(path) if source.kind == "csv" else pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear error
        raise DataSourceError(f"could not read {source.kind} file {path}: {exc}") from exc
