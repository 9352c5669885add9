"""conveyor.compat.bento_timeout: BentoML's request timeout answers as before and leaves no timer behind."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

pytest.importorskip("bentoml")


async def _answer(app: Any, timeout: float) -> tuple[list[dict[str, Any]], Any]:
    """Run one GET through ``TimeoutMiddleware(app, timeout)``; the messages sent, and the middleware."""
    from conveyor.compat.bento_timeout import timeout_middleware

    middleware = timeout_middleware()(app, timeout=timeout)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    await middleware(scope, receive, send)
    return sent, middleware


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _live_timers() -> int:
    """Timers of any loop still scheduled, and not cancelled, in this process."""
    return sum(isinstance(h, asyncio.TimerHandle) and not h.cancelled() for h in gc.get_objects())


def test_answered_requests_leave_no_timer_scheduled() -> None:
    from conveyor.compat.bento_timeout import cancel_request_timers

    assert cancel_request_timers()

    async def scenario() -> tuple[list[int], int]:
        before = _live_timers()
        answers = [await _answer(_ok, timeout=30) for _ in range(50)]
        return [sent[0]["status"] for sent, _ in answers], _live_timers() - before  # counted while the loop lives

    statuses, left = asyncio.run(scenario())
    assert statuses == [200] * 50
    assert left == 0  # BentoML's own middleware leaves 50, each alive for its 30 s


def test_a_request_with_no_answer_in_time_still_gets_bentomls_504() -> None:
    from conveyor.compat.bento_timeout import cancel_request_timers

    cancel_request_timers()
    cancelled = []

    async def slow(scope: Any, receive: Any, send: Any) -> None:
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    sent, _ = asyncio.run(_answer(slow, timeout=0.05))
    assert sent[0]["status"] == 504
    assert sent[1]["body"] == b'{"error":"Not able to process the request in 0.05 seconds"}'
    assert cancelled == [True]


def test_applying_it_twice_changes_nothing_more() -> None:
    from conveyor.compat.bento_timeout import cancel_request_timers, timeout_middleware

    assert cancel_request_timers()
    applied = timeout_middleware().__call__
    assert cancel_request_timers()
    assert timeout_middleware().__call__ is applied
