"""Writing the prediction log: a size-rotated JSONL file, fed off the request path by a bounded queue and one thread.

A request only ever does ``queue.put_nowait``; when the queue is full (the disk is slow) the records
are dropped and counted, and when the disk refuses a write the records are counted as failed. Either
way the request that produced them has already been answered. A failing disk is logged at ERROR on the
first failure and then at most once per ``report_every`` seconds (with the records lost since), and
once more at WARNING when a write succeeds again, so a full disk cannot flood the service's log.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from conveyor.prediction_log.format import rows_in

logger = logging.getLogger(__name__)

_STOP = object()


class PredictionLogWriter:
    """Appends records and rotates by size. Not thread-safe: give it one writer thread."""

    def __init__(self, path: Path, max_bytes: int = 50_000_000, backups: int = 5):
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups

    def _rotate(self) -> None:
        for index in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        if self.backups > 0:
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink()

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Write entries (records, or column-wise batches) as JSON lines; raises OSError when the disk refuses
        (callers decide what to do)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
            self._rotate()
        # pydantic-core's encoder: a quarter of the cost of json.dumps, on the service's CPU (bench/serving.py)
        lines = b"".join(to_json(r, fallback=str) + b"\n" for r in records)
        with open(self.path, "ab") as handle:
            handle.write(lines)


class AsyncPredictionLog:
    """Queue records for one writer thread; never blocks and never raises to the caller."""

    def __init__(
        self,
        writer: PredictionLogWriter,
        capacity: int,
        on_drop: Callable[[int], None] = lambda n: None,
        on_error: Callable[[int], None] = lambda n: None,
        on_write: Callable[[int], None] = lambda n: None,
        report_every: float = 60.0,
    ):
        self.writer = writer
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self._on_drop = on_drop
        self._on_error = on_error
        self._on_write = on_write
        self._report_every = report_every
        self._last_report: float | None = None
        self._lost_since_report = 0
        self._lost_in_outage = 0
        self._thread = threading.Thread(target=self._run, name="prediction-log-writer", daemon=True)
        self._thread.start()

    def submit(self, records: list[dict[str, Any]]) -> bool:
        """Queue one model call's log entries; False (and their records counted as dropped) when the queue is full."""
        try:
            self._queue.put_nowait(records)
        except queue.Full:
            self._on_drop(sum(map(rows_in, records)))
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            pending = [] if item is _STOP else [item]
            while item is not _STOP:  # write whatever else is waiting in one append
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    pending.append(item)
            records = [r for batch in pending for r in batch]
            if records:
                count = sum(map(rows_in, records))
                try:
                    self.writer.append(records)
                except Exception as error:  # noqa: BLE001 - a full or failing disk must not stop the writer
                    self._failed(count, error)
                else:
                    self._written(count)
            if item is _STOP:
                return

    def _failed(self, count: int, error: Exception) -> None:
        self._on_error(count)
        self._lost_since_report += count
        self._lost_in_outage += count
        now = time.monotonic()
        if self._last_report is None or now - self._last_report >= self._report_every:
            logger.error(
                "Prediction log %s is not writable (%s): %d predicted records lost since the last report; "
                "predictions are still served; free space or fix the path (service.prediction_log.path)",
                self.writer.path, error, self._lost_since_report, exc_info=error,
            )
            self._last_report = now
            self._lost_since_report = 0

    def _written(self, count: int) -> None:
        self._on_write(count)
        if self._lost_in_outage:
            logger.warning(
                "Prediction log %s is writable again; %d records were lost while it was not",
                self.writer.path, self._lost_in_outage,
            )
            self._last_report = None
            self._lost_since_report = 0
            self._lost_in_outage = 0

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the writer thread (waits at most ``timeout`` seconds)."""
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)
