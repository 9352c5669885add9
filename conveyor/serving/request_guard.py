"""ASGI middleware in front of the service's endpoints: body size limit and malformed JSON as 4xx.

BentoML (1.4.15 to 1.4.39) parses a list-typed body (``/predict_batch``, ``/predict_batched``) with
``json.loads`` outside pydantic, so a body that is not JSON raises ``JSONDecodeError`` and would come back
as 500. The guard already holds the whole body for the size limit, so when the service answers 500 to a
body that is not valid JSON, it sends 400 instead. Valid requests never pay for a second parse: the body is
only checked after a 500.
"""

from __future__ import annotations

import json
from typing import Any


def _json_error(body: bytes) -> str | None:
    """Why ``body`` is not JSON, or None when it is."""
    try:
        json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        return str(error)
    return None


async def send_json(send: Any, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """A POST body larger than ``max_bytes`` gets 413 before the service parses it; malformed JSON gets 400."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def _too_large(self, send: Any) -> None:
        await send_json(send, 413, {
            "error": f"request body is larger than {self.max_bytes} bytes; send fewer records per request"
        })

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(send)
            return
        chunks, size, more = [], 0, True
        while more:  # bodies without content-length are read here, so the limit still holds
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._too_large(send)
                return
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        replaced = False

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal replaced
            if replaced:  # the rest of the 500 that was replaced
                return
            if message["type"] == "http.response.start" and message["status"] == 500 and body:
                reason = _json_error(body)
                if reason is not None:
                    replaced = True
                    await send_json(send, 400, {
                        "error": "request body is not valid JSON",
                        "detail": [{"type": "json_invalid", "loc": ["body"], "msg": f"Invalid JSON: {reason}"}],
                    })
                    return
            await send(message)

        await self.app(scope, replay, guarded_send)
