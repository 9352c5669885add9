"""Data paths and prediction logs as URIs, read through fsspec's in-memory filesystem (real fsspec, real pandas)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pandas as pd
import pytest

from conveyor.config import CurrentData, DataSource, TrainingConfig, load_run_config
from conveyor.errors import DataSourceError
from conveyor.features.records import read_table
from conveyor.inference.batch import invalid_path, write_table
from conveyor.monitoring.data import load_current
from conveyor.platform.launcher import run_tags
from conveyor.platform.paths import project_root
from conveyor.prediction_log.reader import iter_records, log_files, read_features
from conveyor.prediction_log.writer import PredictionLogWriter
from conveyor.training.data import generate_churn, load_source

SCHEMA = {
    "features": [
        {"name": "tenure", "kind": "numeric", "nullable": True},
        {"name": "contract", "kind": "categorical", "nullable": False, "categories": ["a", "b"]},
    ]
}


@pytest.fixture
def bucket(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh prefix of the process-wide in-memory filesystem, removed afterwards."""
    root = "/conveyor-tests/" + re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
    memory = fsspec.filesystem("memory")
    yield f"memory://{root}"
    if memory.exists(root):
        memory.rm(root, recursive=True)


def write(uri: str, data: bytes) -> None:
    with fsspec.open(uri, "wb") as handle:
        handle.write(data)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_data_uri_is_read_through_fsspec(bucket: str, kind: str) -> None:
    frame = generate_churn(40, seed=3)
    uri = f"{bucket}/train.{kind}"
    with fsspec.open(uri, "wb") as handle:
        frame.to_csv(handle, index=False) if kind == "csv" else frame.to_parquet(handle, index=False)
    loaded = load_source(DataSource(kind=kind, path=uri), seed=0)
    assert loaded.shape == frame.shape and list(loaded.columns) == list(frame.columns)
    pd.testing.assert_series_equal(loaded["monthly_charges"], frame["monthly_charges"])


def test_relative_local_paths_still_resolve_against_the_project_root() -> None:
    frame = load_source(DataSource(kind="csv", path="data/batch_sample.csv"), seed=0)
    assert len(frame) == len(pd.read_csv(project_root() / "data/batch_sample.csv")) > 0


def test_errors_name_the_uri_and_the_config_key(bucket: str) -> None:
    with pytest.raises(DataSourceError, match=rf"{re.escape(bucket)}/nope\.csv does not exist: check `data\.path`"):
        load_source(DataSource(kind="csv", path=f"{bucket}/nope.csv"), seed=0)
    write(f"{bucket}/broken.parquet", b"not parquet at all")
    with pytest.raises(DataSourceError, match=r"could not read parquet file .*broken\.parquet \(`data\.path`\)"):
        load_source(DataSource(kind="parquet", path=f"{bucket}/broken.parquet"), seed=0)
    with pytest.raises(DataSourceError, match=r"cannot open nosuchfs://b/x\.csv \(`current\.path`\).*nosuchfs"):
        load_source(DataSource(kind="csv", path="nosuchfs://b/x.csv"), seed=0, key="current.path")


def test_the_config_schema_keeps_uris() -> None:
    config = load_run_config(
        project_root() / "configs/training.yaml",
        TrainingConfig,
        ["data={kind: parquet, path: 's3://conveyor-data/churn/train.parquet'}"],
    )
    assert config.parameters.data.path == "s3://conveyor-data/churn/train.parquet"
    assert "dataset:parquet:train.parquet" in run_tags("training", config)
    assert CurrentData(kind="prediction_log", path="s3://bucket/prediction-logs/").path.endswith("/")


def test_batch_records_are_read_and_written_at_uris(bucket: str) -> None:
    write(f"{bucket}/batch.csv", b"id,tenure,contract\n1,3.5,a\n2,,b\n")
    frame = read_table(f"{bucket}/batch.csv", SCHEMA)
    assert list(frame["contract"]) == ["a", "b"] and frame["tenure"].isna().sum() == 1
    output = f"{bucket}/out/predictions.parquet"
    write_table(frame, output)
    write_table(frame.head(1), invalid_path(output))
    assert invalid_path(output) == f"{bucket}/out/predictions.invalid.parquet"
    with fsspec.open(output, "rb") as handle:
        assert len(pd.read_parquet(handle)) == 2
    with fsspec.open(invalid_path(output), "rb") as handle:
        assert len(pd.read_parquet(handle)) == 1


def record(index: int, host: str) -> dict:
    return {
        "ts": f"2026-11-23T21:00:{index:02d}+00:00",
        "model": "m",
        "version": "1" if index < 20 else "2",
        "features": {"tenure": float(index), "contract": "a", "host": host},
        "prediction": "no",
    }


def ship(local_log: Path, prefix: str) -> None:
    """Copy a local log and its rotated backups to ``prefix`` (as a log shipper would)."""
    for file in local_log.parent.iterdir():
        write(f"{prefix}/{file.name}", file.read_bytes())


def rotated_log(directory: Path, indexes: range, host: str) -> Path:
    """A local log written by the service's writer, rotated after every 3 records."""
    log = directory / "predictions.jsonl"
    writer = PredictionLogWriter(log, max_bytes=1, backups=10)
    numbers = list(indexes)
    for start in range(0, len(numbers), 3):
        writer.append(record(i, host) for i in numbers[start : start + 3])
    return log


def test_a_shipped_log_uri_includes_its_rotated_backups_in_order(bucket: str, tmp_path: Path) -> None:
    log = rotated_log(tmp_path, range(0, 10), "a")
    assert len(list(tmp_path.iterdir())) == 4  # the live file and three backups
    ship(log, f"{bucket}/logs")
    uri = f"{bucket}/logs/predictions.jsonl"
    assert [r["features"]["tenure"] for r in iter_records(uri)] == [float(i) for i in range(10)]
    assert [r["ts"] for r in iter_records(uri)] == [r["ts"] for r in iter_records(log)]
    newest = read_features(uri, last=4)
    assert list(newest["tenure"]) == [6.0, 7.0, 8.0, 9.0]


def test_a_prefix_of_logs_from_several_hosts_is_merged_by_time(bucket: str, tmp_path: Path) -> None:
    ship(rotated_log(tmp_path / "a", range(0, 30, 2), "a"), f"{bucket}/prediction-logs/host-a")
    ship(rotated_log(tmp_path / "b", range(1, 30, 2), "b"), f"{bucket}/prediction-logs/host-b")
    write(f"{bucket}/prediction-logs/README.txt", b"not a log")
    _, logs = log_files(f"{bucket}/prediction-logs/")
    assert len(logs) == 2 and all(files[-1].endswith("predictions.jsonl") for files in logs)
    tenures = [r["features"]["tenure"] for r in iter_records(f"{bucket}/prediction-logs/")]
    assert tenures == [float(i) for i in range(30)]

    current = load_current(CurrentData(kind="prediction_log", path=f"{bucket}/prediction-logs/", last=25), 0, None)
    assert len(current) == 25 and list(current["tenure"])[-1] == 29.0
    assert not [c for c in current.columns if c.startswith("_")]
    champion_only = CurrentData(kind="prediction_log", path=f"{bucket}/prediction-logs/", champion_only=True)
    assert len(load_current(champion_only, 0, champion_version="2")) == 10


def test_an_empty_prefix_is_no_current_data(bucket: str) -> None:
    assert log_files(f"{bucket}/nothing-shipped-yet/")[1] == []
    assert load_current(CurrentData(kind="prediction_log", path=f"{bucket}/nothing-shipped-yet/"), 0, None).empty
    local = CurrentData(kind="prediction_log", path="no/such/predictions.jsonl")
    assert load_current(local, 0, None).empty
