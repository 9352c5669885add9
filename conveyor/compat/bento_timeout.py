"""BentoML's request timeout, with its timer cancelled when the answer starts (``bentoml-timeout-timer``).

BentoML's ``TimeoutMiddleware`` (``traffic.timeout``) schedules a ``loop.call_later`` per request and never
cancels it. Each timer keeps its handle, its future and a bound method alive until it fires, which is
``traffic.timeout`` seconds later. At 1,500 requests a second and a 30-second timeout, that is about 45,000
live timers and well over a hundred thousand objects that the garbage collector rescans. Its full collections then
paused the service for up to 100 ms every second or two. Those pauses were the tail of ``/predict`` at 32
clients. With the timer cancelled, a full collection scanned about 4,000 objects and took about 1 ms.

Contract: after ``cancel_request_timers()``, ``TimeoutMiddleware`` answers exactly as before: the answer of
the app below it, or a 504 with BentoML's message when no answer has started within the timeout. The one
change is that its timer is cancelled once the answer has started or the request has failed. A second call
changes nothing. Outside the bentoml versions this was written for (``BENTOML_TIMEOUT_TIMER`` in patches.py)
it warns and leaves BentoML's middleware as it is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from conveyor.compat.patches import BENTOML_TIMEOUT_TIMER


async def _timed(self: Any, scope: Any, receive: Any, send: Any) -> None:
    """BentoML's ``TimeoutMiddleware.__call__`` (bentoml 1.4), with the timer cancelled."""
    if scope["type"] not in ("http", "websocket"):
        await self.app(scope, receive, send)
        return
    loop = asyncio.get_running_loop()
    waiter = loop.create_future()
    timer = loop.call_later(self.timeout, self._set_timer_out, waiter)

    async def started(message: Any) -> None:
        if not waiter.done():
            waiter.set_result(None)
        await send(message)

    answer = asyncio.ensure_future(self.app(scope, receive, started))
    try:
        try:
            await waiter
        finally:
            timer.cancel()
    except TimeoutError:
        if answer.cancel():
            from starlette.responses import JSONResponse

            timed_out = JSONResponse(
                {"error": f"Not able to process the request in {self.timeout} seconds"}, status_code=504
            )
            await timed_out(scope, receive, send)
    else:
        await answer


def timeout_middleware() -> type:
    """BentoML's ``TimeoutMiddleware`` class: ``TimeoutMiddleware(app, timeout=seconds)`` is an ASGI app."""
    from bentoml._internal.server.http.traffic import TimeoutMiddleware

    return TimeoutMiddleware


def cancel_request_timers() -> bool:
    """Make BentoML's ``TimeoutMiddleware`` cancel its per-request timer; whether it does now."""
    if not BENTOML_TIMEOUT_TIMER.check():
        return False
    timeout_middleware().__call__ = _timed
    return True
