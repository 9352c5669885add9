"""Benchmark: the prediction log's writer against the hand-written queue and thread it replaced, same run.

Candidates, alternating per repeat (A B C A B C ...), all in this process:

- hand-written:   a queue.Queue, a thread and a writer written by hand (conveyor at commit 7622c8f, copied below
                  as the baseline): the thread writes everything waiting in one append
- conveyor:       conveyor.prediction_log.writer.AsyncPredictionLog: a QueueListener whose dequeue drains
                  everything waiting into one append through PredictionLogWriter (a RotatingFileHandler)
- listener, 1/write: conveyor's request side (put_nowait of the entries) and a QueueListener as it comes: one
                  request's entries at a time (wrapped in a LogRecord by its prepare) to the same
                  PredictionLogWriter, so one append per request: what the draining dequeue saves
- stdlib, 1/write: the standard library's pieces used as they come: QueueHandler.handle(LogRecord) per request
                  (prepare and enqueue overridden to skip formatting and count drops), then as above

Each run: ``--threads`` threads each submit ``--entries`` log entries of ``--rows`` rows (one model call each,
column-wise as service.py logs them) to a fresh log in a temporary directory (rotating at 8 MB, 2 backups), then
``close()`` waits for the writer. The queue is large enough that nothing is dropped. Reported per candidate:
entries written per second from the first submit to ``close()`` returning, the ratio to the hand-written
writer, process CPU milliseconds per 1,000 entries, and the median and 99th percentile of one submit (what a
request pays). Every run checks that every entry reached the file.

Usage: python bench/prediction_log.py [--threads 32] [--rows 100 1] [--entries 60] [--repeats 5]
Writes bench/results/prediction_log.md and prints the table.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from typing import Any

import pydantic_core
from pydantic_core import to_json

from conveyor.prediction_log.format import rows_in
from conveyor.prediction_log.writer import AsyncPredictionLog, PredictionLogWriter

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES, BACKUPS = 8_000_000, 2
CANDIDATES = ("hand-written", "conveyor", "listener, 1/write", "stdlib, 1/write")


class HandWrittenWriter:
    """The baseline's writer: open, append, close; rotate before an append when the file is full."""

    def __init__(self, path: Path, max_bytes: int, backups: int):
        self.path, self.max_bytes, self.backups = path, max_bytes, backups

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size >= self.max_bytes:
            self._rotate()
        lines = b"".join(to_json(r, fallback=str) + b"\n" for r in records)
        with open(self.path, "ab") as handle:
            handle.write(lines)


class HandWrittenLog:
    """The baseline's queue and thread (its outage reporting left out: nothing fails here)."""

    _STOP = object()

    def __init__(self, writer: HandWrittenWriter, capacity: int, on_drop: Callable[[int], None]):
        self.writer, self._on_drop = writer, on_drop
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def submit(self, records: list[dict[str, Any]]) -> bool:
        try:
            self._queue.put_nowait(records)
        except queue.Full:
            self._on_drop(sum(map(rows_in, records)))
            return False
        return True

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            pending = [] if item is self._STOP else [item]
            while item is not self._STOP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not self._STOP:
                    pending.append(item)
            records = [r for batch in pending for r in batch]
            if records:
                self.writer.append(records)
            if item is self._STOP:
                return

    def close(self, timeout: float = 60.0) -> None:
        self._queue.put(self._STOP, timeout=timeout)
        self._thread.join(timeout)


class CountingQueueHandler(QueueHandler):
    """QueueHandler for log entries: no formatting on the request thread, and a full queue counts a drop."""

    def __init__(self, log_queue: queue.Queue[Any], on_drop: Callable[[int], None]):
        super().__init__(log_queue)
        self.on_drop = on_drop

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.on_drop(sum(map(rows_in, record.msg)))


def as_record(entries: list[dict[str, Any]]) -> logging.LogRecord:
    return logging.LogRecord("predictions", logging.INFO, "", 0, entries, None, None)


class RecordPerEntries(QueueListener):
    """A QueueListener whose queue holds lists of entries: each becomes one LogRecord, one append."""

    def prepare(self, record: Any) -> logging.LogRecord:
        return as_record(record)


class ListenerLog:
    """put_nowait of the entries on the request thread; QueueListener's own one-at-a-time dequeue."""

    def __init__(self, writer: PredictionLogWriter, capacity: int, on_drop: Callable[[int], None]):
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self._on_drop = on_drop
        self._listener = RecordPerEntries(self._queue, writer)
        self._listener.start()

    def submit(self, records: list[dict[str, Any]]) -> bool:
        try:
            self._queue.put_nowait(records)
        except queue.Full:
            self._on_drop(sum(map(rows_in, records)))
            return False
        return True

    def close(self) -> None:
        self._listener.stop()


class StdlibLog:
    """QueueHandler -> QueueListener -> PredictionLogWriter, one record (one request's entries) per append."""

    def __init__(self, writer: PredictionLogWriter, capacity: int, on_drop: Callable[[int], None]):
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=capacity)
        self._handler = CountingQueueHandler(self._queue, on_drop)
        self._listener = QueueListener(self._queue, writer)
        self._listener.start()

    def submit(self, records: list[dict[str, Any]]) -> None:
        self._handler.handle(as_record(records))

    def close(self) -> None:
        self._listener.stop()


def make_log(candidate: str, path: Path, capacity: int, on_drop: Callable[[int], None]) -> Any:
    if candidate == "hand-written":
        return HandWrittenLog(HandWrittenWriter(path, MAX_BYTES, BACKUPS), capacity, on_drop)
    if candidate == "conveyor":
        return AsyncPredictionLog(PredictionLogWriter(path, MAX_BYTES, BACKUPS), capacity, on_drop=on_drop)
    if candidate == "listener, 1/write":
        return ListenerLog(PredictionLogWriter(path, MAX_BYTES, BACKUPS), capacity, on_drop)
    return StdlibLog(PredictionLogWriter(path, MAX_BYTES, BACKUPS), capacity, on_drop)


def entry(rows: int, seed: int) -> dict[str, Any]:
    """One model call's log line, column-wise, with the churn service's feature shapes."""
    rng = random.Random(seed)
    labels = [rng.choice(["no", "yes"]) for _ in range(rows)]
    yes = [rng.random() for _ in range(rows)]
    return {
        "ts": "2026-12-01T12:00:00.000000+00:00", "model": "conveyor-churn", "version": "3", "rows": rows,
        "features": {
            "tenure_months": [float(rng.randint(0, 72)) for _ in range(rows)],
            "monthly_charges": [round(rng.uniform(20, 120), 2) for _ in range(rows)],
            "support_calls": [float(rng.randint(0, 9)) for _ in range(rows)],
            "age": [float(rng.randint(18, 90)) for _ in range(rows)],
            "contract": [rng.choice(["monthly", "one_year", "two_year"]) for _ in range(rows)],
            "payment_method": [rng.choice(["card", "bank", "check"]) for _ in range(rows)],
            "region": [rng.choice(["north", "south", "east", "west"]) for _ in range(rows)],
        },
        "prediction": labels, "probabilities": {"no": [1 - p for p in yes], "yes": yes},
    }


def run(candidate: str, threads: int, entries: int, rows: int) -> dict[str, float]:
    lines = [entry(rows, seed) for seed in range(8)]
    dropped: list[int] = []
    latencies: list[list[int]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)

    def client(index: int) -> None:
        own = latencies[index]
        start.wait()
        for number in range(entries):
            line = [lines[number % len(lines)]]
            began = time.perf_counter_ns()
            log.submit(line)
            own.append(time.perf_counter_ns() - began)

    with tempfile.TemporaryDirectory(prefix="conveyor-bench-log-") as tmp:
        path = Path(tmp) / "predictions.jsonl"
        log = make_log(candidate, path, threads * entries + 1, dropped.append)
        workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        cpu, wall = time.process_time(), time.perf_counter()
        start.wait()
        for worker in workers:
            worker.join()
        log.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        written = sum(1 for file in Path(tmp).iterdir() for _ in file.open("rb"))
    if dropped or written != threads * entries:
        raise SystemExit(f"{candidate}: {written} of {threads * entries} entries written, {sum(dropped)} dropped")
    every = sorted(ns for own in latencies for ns in own)
    return {
        "entries_per_s": written / wall,
        "cpu_ms_per_1000": 1000 * cpu / written * 1000,
        "submit_p50_us": every[len(every) // 2] / 1000,
        "submit_p99_us": every[int(len(every) * 0.99)] / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1], help="rows per log entry")
    parser.add_argument("--entries", type=int, default=60, help="entries per thread")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    table_rows = []
    for rows in args.rows:
        entries = args.entries if rows > 1 else args.entries * 10
        runs: dict[str, list[dict[str, float]]] = {c: [] for c in CANDIDATES}
        for repeat in range(args.repeats):
            for candidate in CANDIDATES:  # alternate: A B C A B C ...
                runs[candidate].append(run(candidate, args.threads, entries, rows))
                sys.stderr.write(
                    f"{rows} rows, repeat {repeat + 1}: {candidate} "
                    f"{runs[candidate][-1]['entries_per_s']:.0f} entries/s\n"
                )
        medians = {c: {k: statistics.median(r[k] for r in runs[c]) for k in runs[c][0]} for c in CANDIDATES}
        base = runs["hand-written"]
        ratios = {  # paired: each repeat's ratio to the hand-written run next to it, then the median
            c: statistics.median(r["entries_per_s"] / b["entries_per_s"] for r, b in zip(runs[c], base, strict=True))
            for c in CANDIDATES
        }
        for candidate in CANDIDATES:
            m = medians[candidate]
            table_rows.append(
                f"| {rows} | {args.threads} x {entries} | {candidate} | {m['entries_per_s']:,.0f} | "
                f"{ratios[candidate]:.2f} | {m['cpu_ms_per_1000']:.0f} | {m['submit_p50_us']:.1f} | "
                f"{m['submit_p99_us']:.0f} |\n"
            )

    header = (
        f"python {platform.python_version()}, pydantic-core {pydantic_core.__version__}, {os.cpu_count()} cores "
        f"(load average {load:.1f} at start); {args.repeats} alternating repeats, medians; "
        f"log rotated at {MAX_BYTES:,} bytes, {BACKUPS} backups\n\n"
        "| rows per entry | threads x entries | candidate | entries/s written | x hand-written | "
        "CPU ms per 1,000 entries | submit p50 us | submit p99 us |\n"
        "|---:|---|---|---:|---:|---:|---:|---:|\n"
    )
    table = header + "".join(table_rows) + (
        f"\nCommand: `python bench/prediction_log.py --threads {args.threads} --rows "
        f"{' '.join(map(str, args.rows))} --entries {args.entries} --repeats {args.repeats}`\n"
    )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "prediction_log.md").write_text(table)
    sys.stdout.write(table)


if __name__ == "__main__":
    main()
