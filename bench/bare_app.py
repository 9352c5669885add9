"""The floor: a bare ASGI app on uvicorn that reads the body and answers a fixed prediction, doing no other work.

Run by bench/serving.py as ``uvicorn bench.bare_app:app``. What it measures is the HTTP server, the load
client and the machine, with nothing of a model service: no Python service can be faster on this core.
"""

from __future__ import annotations

from typing import Any

ANSWER = (
    b'{"id":"00000000000000000000000000000000","label":"no",'
    b'"probabilities":{"no":0.5,"yes":0.5},"model_version":"1"}'
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":  # lifespan: nothing to start
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})
