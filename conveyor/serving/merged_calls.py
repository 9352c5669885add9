"""Model calls of concurrent requests merged into one, when the compiled graph answers on the event loop.

A compiled model's call costs a fixed part (every node of the graph runs once per call, about 0.1 ms) and a
part per row that shrinks as a call grows: ONNX Runtime walks each block of a forest's trees for all of a call's
rows while that block is in the CPU's cache (conveyor/training/onnx_blocks.py). Requests that wait for the event
loop while it runs a call gain from sharing the next one.

``MergedCalls`` does that without a timer: a request's columns are queued, and the first request queued
schedules one dispatch for the loop's next turn (``call_soon``), after every request that is already ready
to run has queued its own. The dispatch concatenates their columns into calls of at most ``max_rows`` rows
(a request is never split), runs each, and hands every request its own rows of the answer. One request alone
waits one turn of the loop, tens of microseconds. A call that fails fails every request in it, each with the
same error (each is then answered 500, as an unmerged call's failure is).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np

Columns = dict[str, list[Any]]


class MergedCalls:
    """``await merged(columns, rows)``: ``call(columns)`` for ``rows`` rows, merged with concurrent requests."""

    def __init__(
        self, call: Callable[[Columns], np.ndarray], max_rows: int, on_call: Callable[[int], None] | None = None
    ):
        self.call = call
        self.max_rows = max_rows
        self.on_call = on_call  # told the rows of every call made (the service's conveyor_model_call_rows)
        self.queued: list[tuple[Columns, int, asyncio.Future[np.ndarray]]] = []

    async def __call__(self, columns: Columns, rows: int) -> np.ndarray:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[np.ndarray] = loop.create_future()
        if not self.queued:
            loop.call_soon(self.dispatch)
        self.queued.append((columns, rows, future))
        return await future

    def dispatch(self) -> None:
        """Run the queued requests in calls of at most ``max_rows`` rows (a larger request in a call of its own)."""
        queued, self.queued = self.queued, []
        group: list[tuple[Columns, int, asyncio.Future[np.ndarray]]] = []
        total = 0
        for item in queued:
            if group and total + item[1] > self.max_rows:
                self._run(group)
                group, total = [], 0
            group.append(item)
            total += item[1]
        if group:
            self._run(group)

    def _run(self, group: list[tuple[Columns, int, asyncio.Future[np.ndarray]]]) -> None:
        live = [item for item in group if not item[2].done()]  # a cancelled request (its client left) is dropped
        if not live:
            return
        if len(live) == 1:
            columns = live[0][0]
        else:
            columns = {name: [value for item in live for value in item[0][name]] for name in live[0][0]}
        try:
            answers = self.call(columns)
        except Exception as error:  # noqa: BLE001 - every request of the call gets the call's error
            for _, _, future in live:
                future.set_exception(error)
            return
        if self.on_call is not None:
            self.on_call(sum(item[1] for item in live))
        start = 0
        for _, rows, future in live:
            future.set_result(answers[start : start + rows])
            start += rows
