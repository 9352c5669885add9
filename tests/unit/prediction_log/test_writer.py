"""The prediction log's writer thread: a full queue drops and counts; a failing disk counts and carries on."""

from __future__ import annotations

import errno
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from conveyor.prediction_log.reader import iter_records
from conveyor.prediction_log.writer import AsyncPredictionLog, PredictionLogWriter


class BlockedWriter(PredictionLogWriter):
    """A disk so slow that nothing is written until the test says so."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.entered = threading.Event()  # the writer thread is in append
        self.release = threading.Event()

    def append(self, records: Any) -> None:
        self.entered.set()
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


class FlakyDisk(PredictionLogWriter):
    """Refuses (ENOSPC) until ``healthy`` is set."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.healthy = False

    def append(self, records: Any) -> None:
        if not self.healthy:
            raise OSError(28, "No space left on device")
        super().append(records)


def test_a_failing_disk_is_reported_once_per_period_and_again_when_it_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = FlakyDisk(tmp_path / "p.jsonl")
    failed: list[int] = []
    log = AsyncPredictionLog(writer, capacity=100, on_error=failed.append, report_every=3600)
    with caplog.at_level(logging.INFO, logger="conveyor.prediction_log.writer"):
        for index in range(5):
            log.submit([{"i": index}])
        deadline = time.monotonic() + 30
        while sum(failed) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        writer.healthy = True
        log.submit([{"i": 5}])
        log.close()
    records = [r for r in caplog.records if r.name == "conveyor.prediction_log.writer"]
    errors = [r for r in records if r.levelno == logging.ERROR]
    assert sum(failed) == 5
    assert len(errors) == 1  # not one per failed write
    assert isinstance(errors[0].exc_info[1], OSError) and errors[0].exc_info[1].errno == errno.ENOSPC
    assert [r.levelno for r in records if r.levelno == logging.WARNING] == [logging.WARNING]  # recovered
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [5]



def test_a_column_wise_line_reads_back_as_its_records(tmp_path: Path) -> None:
    """The service logs one line per model call, column by column; readers still see one record per row."""
    writer = PredictionLogWriter(tmp_path / "p.jsonl")
    single = {"ts": "t0", "model": "m", "version": "1", "features": {"a": 0.5, "c": "x"}, "prediction": "no",
              "probabilities": {"no": 0.9, "yes": 0.1}}
    batch = {"ts": "t1", "model": "m", "version": "2", "rows": 2, "features": {"a": [1.0, None], "c": ["y", None]},
             "prediction": ["yes", "no"], "probabilities": {"no": [0.2, 0.6], "yes": [0.8, 0.4]}}
    writer.append([single, batch])
    assert list(iter_records(tmp_path / "p.jsonl")) == [
        single,
        {"ts": "t1", "model": "m", "version": "2", "features": {"a": 1.0, "c": "y"}, "prediction": "yes",
         "probabilities": {"no": 0.2, "yes": 0.8}},
        {"ts": "t1", "model": "m", "version": "2", "features": {"a": None, "c": None}, "prediction": "no",
         "probabilities": {"no": 0.6, "yes": 0.4}},
    ]


def test_dropped_and_failed_counts_are_records_not_lines(tmp_path: Path) -> None:
    batch = {"ts": "t", "rows": 3, "features": {"a": [1, 2, 3]}, "prediction": [0, 1, 0], "probabilities": {}}
    failed: list[int] = []
    log = AsyncPredictionLog(FullDisk(tmp_path / "p.jsonl"), capacity=10, on_error=failed.append)
    assert log.submit([batch])
    log.close()
    assert sum(failed) == 3

    dropped: list[int] = []
    writer = BlockedWriter(tmp_path / "q.jsonl")
    log = AsyncPredictionLog(writer, capacity=1, on_drop=dropped.append)
    results = [log.submit([batch]) for _ in range(4)]
    assert sum(dropped) == 3 * results.count(False) > 0
    writer.release.set()
    log.close()


def lines_of(path: Path) -> list[str]:
    return [json.loads(line)["i"] for line in path.read_text().splitlines()]


def test_a_full_file_rotates_to_numbered_backups_and_the_oldest_is_deleted(tmp_path: Path) -> None:
    log = tmp_path / "predictions.jsonl"
    writer = PredictionLogWriter(log, max_bytes=1, backups=2)  # every append after the first finds a full file
    for index in range(4):
        writer.append([{"i": index}, {"i": f"{index}b"}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.jsonl", "predictions.jsonl.1",
                                                          "predictions.jsonl.2"]
    assert lines_of(log) == [3, "3b"]  # one append is never split across files
    assert lines_of(tmp_path / "predictions.jsonl.1") == [2, "2b"]
    assert lines_of(tmp_path / "predictions.jsonl.2") == [1, "1b"]  # 0 was the oldest: deleted


def test_the_file_rotates_before_an_append_once_it_has_reached_max_bytes(tmp_path: Path) -> None:
    """Not before an append that would pass max_bytes: a file may pass it by one append."""
    log = tmp_path / "predictions.jsonl"
    line = len(b'{"i":0}\n')
    writer = PredictionLogWriter(log, max_bytes=line + 1, backups=1)
    writer.append([{"i": 0}])
    writer.append([{"i": 1}])  # the file was below max_bytes: appended, now past it
    assert lines_of(log) == [0, 1] and not (tmp_path / "predictions.jsonl.1").exists()
    writer.append([{"i": 2}])
    assert lines_of(log) == [2] and lines_of(tmp_path / "predictions.jsonl.1") == [0, 1]


def test_with_no_backups_a_full_file_is_deleted_and_a_new_one_started(tmp_path: Path) -> None:
    log = tmp_path / "predictions.jsonl"
    writer = PredictionLogWriter(log, max_bytes=1, backups=0)
    writer.append([{"i": 0}])
    writer.append([{"i": 1}])
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.jsonl"]
    assert lines_of(log) == [1]


def test_writers_in_several_processes_share_one_file_and_its_rotation(tmp_path: Path) -> None:
    """Each append opens the live file by its path, so a rotation by one worker is seen by the others."""
    log = tmp_path / "predictions.jsonl"
    first, second = (PredictionLogWriter(log, max_bytes=1, backups=3) for _ in range(2))
    first.append([{"i": 0}])
    second.append([{"i": 1}])  # rotates what the first wrote
    first.append([{"i": 2}])
    assert lines_of(log) == [2]
    assert lines_of(tmp_path / "predictions.jsonl.1") == [1]
    assert lines_of(tmp_path / "predictions.jsonl.2") == [0]


def test_the_directory_is_created_and_a_path_under_a_file_raises(tmp_path: Path) -> None:
    PredictionLogWriter(tmp_path / "new" / "dir" / "p.jsonl").append([{"i": 0}])
    assert lines_of(tmp_path / "new" / "dir" / "p.jsonl") == [0]
    (tmp_path / "a-file").write_text("")
    with pytest.raises(FileExistsError):
        PredictionLogWriter(tmp_path / "a-file" / "p.jsonl").append([{"i": 0}])


class RecordingWriter(BlockedWriter):
    """Blocks like BlockedWriter, and remembers how many entries each append got."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.appends: list[int] = []

    def append(self, records: Any) -> None:
        records = list(records)
        self.appends.append(len(records))
        super().append(records)


def test_everything_waiting_goes_out_in_one_append(tmp_path: Path) -> None:
    writer = RecordingWriter(tmp_path / "p.jsonl")
    log = AsyncPredictionLog(writer, capacity=10)
    assert log.submit([{"i": 0}])
    assert writer.entered.wait(30)  # the writer thread holds the first entry
    for index in range(1, 4):
        assert log.submit([{"i": index}])
    writer.release.set()
    log.close()
    assert writer.appends == [1, 3]
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [0, 1, 2, 3]


def test_close_gives_up_on_a_stuck_disk_after_its_timeout(tmp_path: Path) -> None:
    writer = BlockedWriter(tmp_path / "p.jsonl")
    log = AsyncPredictionLog(writer, capacity=1)
    assert log.submit([{"i": 0}])
    assert writer.entered.wait(30)
    assert log.submit([{"i": 1}])  # the queue is full now
    log.close(timeout=0.05)  # returns: no room for the stop sentinel, and the writer is stuck
    assert log._thread.is_alive()
    writer.release.set()
    log.close()
    assert not log._thread.is_alive()
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [0, 1]


def test_the_writer_is_a_logging_handler_for_records_of_entries(tmp_path: Path) -> None:
    writer = PredictionLogWriter(tmp_path / "p.jsonl")
    writer.handle(logging.LogRecord("predictions", logging.INFO, "", 0, [{"i": 0}, {"i": 1}], None, None))
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [0, 1]


def test_the_writer_keeps_writing_after_logging_closes_its_handlers(tmp_path: Path) -> None:
    """logging.config.dictConfig and logging.shutdown close every handler; the log opens its file per append."""
    writer = PredictionLogWriter(tmp_path / "p.jsonl")
    writer.append([{"i": 0}])
    writer.close()
    writer.append([{"i": 1}])
    assert [r["i"] for r in iter_records(tmp_path / "p.jsonl")] == [0, 1]
