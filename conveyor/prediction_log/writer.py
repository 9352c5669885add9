"""Writing the prediction log: a size-rotated JSONL file, fed off the request path by a bounded queue and one thread.

Built on the standard library's ``logging.handlers``: ``PredictionLogWriter`` is a ``RotatingFileHandler`` and
``AsyncPredictionLog`` drains its queue with a ``QueueListener``. What they promise:

- A request only ever does ``queue.put_nowait``. When the queue is full (the disk is slow) its records are
  dropped and counted (``on_drop``); the request has already been answered either way.
- When the disk refuses a write its records are counted as failed (``on_error``) and the writer thread carries
  on. A failing disk is logged at ERROR on the first failure and then at most once per ``report_every`` seconds
  (with the records lost since), and once more at WARNING when a write succeeds again, so a full disk cannot
  flood the service's log.
- Everything waiting in the queue is written in one append. Before an append, a live file of at least
  ``max_bytes`` is rotated: ``predictions.jsonl`` -> ``.1`` -> ... -> ``.<backups>``, the oldest deleted; with
  ``backups=0`` the full file is deleted. A file may pass ``max_bytes`` by one append.
- Every append opens the file by its path, so several worker processes share one log and its rotation.
- Counts are predicted records (``rows_in``), not log lines.

The labels log (``conveyor.prediction_log.labels``) uses the same writer, called directly and ``durable``.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import stat
import time
from collections.abc import Callable, Iterable
from logging.handlers import QueueListener, RotatingFileHandler
from pathlib import Path
from typing import Any

from pydantic_core import to_json

from conveyor.prediction_log.format import rows_in

logger = logging.getLogger(__name__)

Entries = list[dict[str, Any]]


def _lines(entries: Iterable[dict[str, Any]]) -> bytes:
    # pydantic-core's encoder: a quarter of the cost of json.dumps, on the service's CPU (bench/serving.py)
    return b"".join(to_json(entry, fallback=str) + b"\n" for entry in entries)


class PredictionLogWriter(RotatingFileHandler):
    """Appends log entries to ``path`` as JSON lines and rotates it by size. Give it one writer thread.

    A logging handler whose records carry a list of entries in ``msg``; ``append`` writes entries directly.
    """

    def __init__(self, path: Path, max_bytes: int = 50_000_000, backups: int = 5, durable: bool = False):
        super().__init__(path, maxBytes=max_bytes, backupCount=backups, delay=True)
        self.path = Path(self.baseFilename)
        self.durable = durable

    def append(self, entries: Iterable[dict[str, Any]]) -> None:
        """Write entries (records, or column-wise batches) as JSON lines; raises OSError when the disk refuses
        (callers decide what to do). A ``durable`` writer has them on disk (``os.fsync``) when it returns."""
        lines = _lines(entries)
        if self.shouldRollover(None):
            self.doRollover()
        with self._open() as handle:
            handle.write(lines)
            if self.durable:
                handle.flush()
                os.fsync(handle.fileno())

    def emit(self, record: logging.LogRecord) -> None:
        """Append the entries in ``record.msg``; a failure goes to ``handleError``."""
        try:
            self.append(record.msg)
        except Exception:  # noqa: BLE001 - a handler reports through handleError
            self.handleError(record)

    def shouldRollover(self, record: logging.LogRecord | None) -> bool:
        """Whether the live file is a regular file of at least ``max_bytes`` (checked before each append)."""
        try:
            status = os.stat(self.baseFilename)
        except OSError:  # not there yet, or its directory is not a directory: the append will say
            return False
        return stat.S_ISREG(status.st_mode) and status.st_size >= self.maxBytes

    def doRollover(self) -> None:
        """Shift the backups up by one (the stdlib's renames); with no backups, delete the full file."""
        if self.backupCount > 0:
            super().doRollover()
        else:
            self.path.unlink(missing_ok=True)

    def _open(self) -> io.BufferedWriter:
        """The live file for appending bytes, its directory created if need be."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return open(self.baseFilename, "ab")


# After the first entry the writer waits this long before it drains the queue, so that at hundreds of requests a
# second it wakes (and takes the interpreter lock from the request thread) once per batch rather than per entry.
LINGER_SECONDS = 0.02


class _WriterThread(QueueListener):
    """One thread that drains the queue: everything waiting goes to the writer in one append."""

    def __init__(
        self,
        log_queue: queue.Queue[Any],
        writer: PredictionLogWriter,
        written: Callable[[int], None],
        failed: Callable[[int, Exception], None],
    ):
        super().__init__(log_queue)
        self.writer = writer
        self.written = written
        self.failed = failed
        self._stopping = False

    def start(self) -> None:
        super().start()
        self._thread.name = "prediction-log-writer"

    def dequeue(self, block: bool) -> Any:
        """Everything waiting, as one list of entries; the stop sentinel on its own, after what came before it."""
        if self._stopping:
            return self._sentinel
        first = self.queue.get(block)
        if first is self._sentinel:
            return first
        time.sleep(LINGER_SECONDS)
        entries = list(first)
        while True:
            try:
                more = self.queue.get_nowait()
            except queue.Empty:
                return entries
            if more is self._sentinel:
                self._stopping = True
                return entries
            entries.extend(more)

    def handle(self, entries: Entries) -> None:
        """Append, and count the records as written or failed."""
        count = sum(map(rows_in, entries))
        try:
            self.writer.append(entries)
        except Exception as error:  # noqa: BLE001 - a full or failing disk must not stop the writer
            self.failed(count, error)
        else:
            self.written(count)

    def stop_within(self, timeout: float) -> None:
        """``stop()``, bounded: gives up after ``timeout`` seconds to queue the sentinel, then to join the thread.

        (``QueueListener.stop`` raises when the queue is full and waits for a stuck disk forever.)
        """
        try:
            self.queue.put(self._sentinel, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)


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
        self._listener = _WriterThread(self._queue, writer, self._written, self._failed)
        self._listener.start()
        self._thread = self._listener._thread

    def submit(self, records: Entries) -> bool:
        """Queue one request's log entries; False (and their records counted as dropped) when the queue is full."""
        # Not through a QueueHandler: its emit builds, formats and copies a LogRecord under a lock on this thread.
        try:
            self._queue.put_nowait(records)
        except queue.Full:
            self._on_drop(sum(map(rows_in, records)))
            return False
        return True

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
        self._listener.stop_within(timeout)
