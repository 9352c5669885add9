"""The labels log: written on disk before append returns, rotated like the prediction log, read back in order."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from conveyor.prediction_log.labels import LABELS_FILE_NAME, LabelsLog, is_labels_log, labels_path, read_labels
from conveyor.prediction_log.reader import iter_records, log_files
from conveyor.prediction_log.writer import PredictionLogWriter


@pytest.fixture
def bucket(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh prefix of the process-wide in-memory filesystem, removed afterwards."""
    root = "/conveyor-tests/" + re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
    memory = fsspec.filesystem("memory")
    yield f"memory://{root}"
    if memory.exists(root):
        memory.rm(root, recursive=True)


def test_each_label_is_one_line_on_disk_when_append_returns(tmp_path: Path) -> None:
    log = LabelsLog(tmp_path / LABELS_FILE_NAME)
    assert log.append([{"id": "a" * 32, "label": "yes"}, {"id": "b" * 32, "label": "no"}], "churn", "3") == 2
    lines = [json.loads(line) for line in (tmp_path / LABELS_FILE_NAME).read_text().splitlines()]
    assert [(line["id"], line["label"], line["model"], line["version"]) for line in lines] == [
        ("a" * 32, "yes", "churn", "3"),
        ("b" * 32, "no", "churn", "3"),
    ]
    assert set(lines[0]) == {"ts", "id", "label", "model", "version"}
    assert lines[0]["ts"].endswith("+00:00")  # ISO-8601, UTC
    assert log.writer.durable


def test_labels_read_back_in_arrival_order_with_duplicates(tmp_path: Path) -> None:
    path = tmp_path / LABELS_FILE_NAME
    log = LabelsLog(path)
    log.append([{"id": "1" * 32, "label": 3.5}], "diabetes", "2")
    log.append([{"id": "2" * 32, "label": 1.0}, {"id": "1" * 32, "label": 4.0}], "diabetes", "2")
    labels = read_labels(path)
    assert list(labels.columns) == ["id", "label", "ts"]
    assert list(labels["id"]) == ["1" * 32, "2" * 32, "1" * 32]  # the duplicate is kept, in its place
    assert list(labels["label"]) == [3.5, 1.0, 4.0]
    assert labels["ts"].notna().all()


def test_the_labels_log_rotates_by_size_and_its_backups_are_read_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / LABELS_FILE_NAME
    log = LabelsLog(path, max_bytes=1, backups=2)  # every append after the first finds a full file
    for index in range(4):
        log.append([{"id": f"{index:032x}", "label": str(index)}], "m", "1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.jsonl", "labels.jsonl.1", "labels.jsonl.2"]
    assert list(read_labels(path)["label"]) == ["1", "2", "3"]  # 0 was the oldest: deleted


def test_a_torn_line_is_skipped_and_a_missing_log_has_no_labels(tmp_path: Path) -> None:
    path = tmp_path / LABELS_FILE_NAME
    LabelsLog(path).append([{"id": "c" * 32, "label": "yes"}], "m", "1")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"ts": "2026-11-23T21:00:00+00:00", "id": "d')  # the service stopped mid-line
    assert list(read_labels(path)["id"]) == ["c" * 32]
    empty = read_labels(tmp_path / "nowhere" / LABELS_FILE_NAME)
    assert empty.empty and list(empty.columns) == ["id", "label", "ts"]


def test_a_disk_that_refuses_raises_to_the_caller(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(OSError):
        LabelsLog(tmp_path / "a-file" / LABELS_FILE_NAME).append([{"id": "e" * 32, "label": "no"}], "m", "1")


def test_concurrent_appends_keep_every_line_whole(tmp_path: Path) -> None:
    path = tmp_path / LABELS_FILE_NAME
    log = LabelsLog(path, max_bytes=2_000, backups=50)

    def post(thread: int) -> None:
        for index in range(20):
            log.append([{"id": f"{thread:016x}{index:016x}", "label": "yes"}] * 3, "m", "1")

    threads = [threading.Thread(target=post, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    labels = read_labels(path)
    assert len(labels) == 4 * 20 * 3
    assert labels["id"].value_counts().eq(3).all()


def test_the_labels_path_is_beside_the_prediction_log(tmp_path: Path) -> None:
    assert labels_path(tmp_path / "logs" / "predictions.jsonl") == tmp_path / "logs" / LABELS_FILE_NAME
    assert labels_path("s3://bucket/logs/predictions.jsonl") == "s3://bucket/logs/labels.jsonl"
    assert labels_path("s3://bucket/prediction-logs/") == "s3://bucket/prediction-logs/"  # read_labels picks
    assert labels_path(tmp_path) == tmp_path
    assert labels_path(str(tmp_path)) == str(tmp_path)
    assert is_labels_log("s3://b/host-a/labels.jsonl") and is_labels_log("/x/host-a-labels.jsonl")
    assert not is_labels_log("/x/predictions.jsonl")


def test_a_prefix_of_shipped_logs_keeps_labels_and_predictions_apart(bucket: str, tmp_path: Path) -> None:
    """A log shipper copies the whole log directory: predictions and labels of each host land side by side."""
    for host, offset in (("a", 0), ("b", 1)):
        local = tmp_path / host
        predictions = PredictionLogWriter(local / "predictions.jsonl")
        predictions.append(
            {"ts": f"2026-11-23T21:00:{i:02d}+00:00", "id": f"{i:032x}", "features": {"x": float(i)},
             "prediction": "no"}
            for i in range(offset, 6, 2)
        )
        labels = PredictionLogWriter(local / LABELS_FILE_NAME, max_bytes=1, backups=5)
        for i in range(offset, 6, 2):
            labels.append([{"ts": f"2026-11-23T21:01:{i:02d}+00:00", "id": f"{i:032x}", "label": str(i)}])
        for file in local.iterdir():
            with fsspec.open(f"{bucket}/logs/host-{host}/{file.name}", "wb") as handle:
                handle.write(file.read_bytes())

    _, logs = log_files(f"{bucket}/logs/")
    assert len(logs) == 2 and all(files[-1].endswith("/predictions.jsonl") for files in logs)
    assert [r["features"]["x"] for r in iter_records(f"{bucket}/logs/")] == [float(i) for i in range(6)]
    assert [r["id"] for r in iter_records(f"{bucket}/logs/")] == [f"{i:032x}" for i in range(6)]
    merged = read_labels(f"{bucket}/logs/")
    assert list(merged["label"]) == [str(i) for i in range(6)]  # both hosts, by time, backups included
    assert list(read_labels(f"{bucket}/logs/host-b/labels.jsonl")["label"]) == ["1", "3", "5"]
