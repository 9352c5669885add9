"""``/predict`` and ``/predict_batch`` answered in an ASGI middleware when the compiled graph serves.

The graph's model call takes about a tenth of a millisecond; BentoML's per-request machinery (its router,
context, request and answer classes, and the hop to a thread for a synchronous API) costs several times
that, so it bounds single-record throughput. ``DirectEndpoints`` sits innermost of the service's middleware,
after the traffic metrics, the bearer token and the body guard, which therefore apply as before. For a POST
to a path it is given a handler for, it validates the body with BentoML's own request class for that
endpoint, calls the handler on the event loop (a model call that short does not need a thread), and writes
the answer with pydantic-core; everything else goes on to BentoML. A body is first validated in one pass from
its JSON (``validate_json`` of a pydantic ``TypeAdapter`` of the endpoint's type), cheaper than BentoML's
parse-then-validate. A body it refuses is validated again with BentoML's class, so a refused body gets
BentoML's own 400 (tests/interface/test_service.py checks that both take and refuse the same bodies).

What a client sees is BentoML's answer, byte for byte: a 400 for a body the request class refuses
(``{"error": "N validation error for ...", "detail": [...]}``, ``loc`` starting with ``"root"``), a 500 for
a handler that fails (logged with its traceback), the same ``Server`` and ``X-BentoML-Request-ID`` headers
(conveyor/compat/bento_direct.py). A scikit-learn model is never served here: its call takes milliseconds,
and BentoML runs it in a thread so the event loop stays free.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from starlette.datastructures import Headers

from conveyor.compat.bento_direct import response_headers

logger = logging.getLogger(__name__)

# A handler takes the validated body (the request class's ``.root``) and the request headers, and returns
# (a coroutine of) what to answer: anything pydantic-core can write as JSON.
Handler = Callable[[Any, Headers], Awaitable[Any]]
# What an endpoint is answered with: BentoML's request class, a TypeAdapter of the same type, the handler.
Endpoint = tuple[Any, Any, Handler]
SERVER_ERROR = {"error": "An unexpected error has occurred, please check the server log."}


def _json(payload: Any) -> bytes:
    """JSON as Starlette's JSONResponse writes it (BentoML's error answers)."""
    return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


class DirectEndpoints:
    """Answer POSTs to the paths in ``endpoints`` (path -> ``Endpoint``); pass the rest on.

    ``endpoints`` is read at each request, so the service fills it once its model is loaded (and only for
    the compiled graph); while it is empty every request goes to BentoML.
    """

    def __init__(self, app: Any, endpoints: dict[str, Endpoint], service_name: str):
        self.app = app
        self.endpoints = endpoints
        self.service_name = service_name

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        endpoint = self.endpoints.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        model, adapter, handler = endpoint
        request = b"".join(chunks) or b"{}"
        try:
            try:
                value = adapter.validate_json(request)
            except ValidationError:  # BentoML's class words the 400 as BentoML does
                value = model.model_validate_json(request).root
            status, body = 200, to_json(await handler(value, Headers(scope=scope)))
        except ValidationError as error:
            status, body = 400, _json({
                "error": f"{error.error_count()} validation error for {error.title}",
                "detail": error.errors(include_context=False, include_input=False),
            })
        except Exception:  # answered as BentoML answers any failure of an API: 500, logged with its traceback
            logger.exception("Exception on %s [POST]", scope["path"])
            status, body = 500, _json(SERVER_ERROR)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *response_headers(self.service_name),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
