"""The prediction log's writer thread: a full queue drops and counts; a failing disk counts and carries on."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from conveyor.prediction_log import PredictionLogWriter, iter_records
from conveyor.prediction_queue import AsyncPredictionLog


class BlockedWriter(PredictionLogWriter):
    """A disk so slow that nothing is written until the test says so."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.release = threading.Event()

    def append(self, records: Any) -> None:
        self.release.wait(30)
        super().append(records)


class FullDisk(PredictionLogWriter):
    def append(self, records: Any) -> None:
        raise OSError(28, "No space left on device")


def test_records_reach_the_log_in_order(tmp_path: Path) -> None:
    log = AsyncPredictionLog(PredictionLogWriter(tmp_path / "p.jsonl"), capacity=10)
    for index in range(5):
        assert log.submit([{"i": index}])
    log.close()
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [0, 1, 2, 3, 4]


def test_a_full_queue_drops_and_counts_without_blocking(tmp_path: Path) -> None:
    dropped: list[int] = []
    writer = BlockedWriter(tmp_path / "p.jsonl")
    log = AsyncPredictionLog(writer, capacity=2, on_drop=dropped.append)
    results = [log.submit([{"i": i}, {"i": i}]) for i in range(6)]
    assert results.count(False) >= 3  # at most one batch in the writer and two queued
    assert sum(dropped) == 2 * results.count(False)
    writer.release.set()
    log.close()


def test_a_failing_disk_is_counted_and_the_writer_keeps_going(tmp_path: Path) -> None:
    failed: list[int] = []
    log = AsyncPredictionLog(FullDisk(tmp_path / "p.jsonl"), capacity=10, on_error=failed.append)
    assert log.submit([{"i": 1}])
    log.close()
    assert sum(failed) == 1
    assert not log._thread.is_alive()
