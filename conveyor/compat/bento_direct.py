"""What a request answered beside BentoML's routing needs from BentoML to look the same (``bentoml-direct-io``).

conveyor/serving/direct.py answers ``/predict`` and ``/predict_batch`` in an ASGI middleware when the compiled
graph serves (its model call is a tenth of a millisecond, and BentoML's per-request machinery several times
that). To answer exactly as BentoML would, it validates a body with the endpoint's own request class
(``APIMethod.input_spec``: the same errors, ``loc`` starting with ``"root"``, and the same title) and sends
BentoML's ``Server`` and ``X-BentoML-Request-ID`` headers (the request id is the OpenTelemetry span id,
which BentoML's tracing middleware, outside the service's middleware, has set by then).

Outside the bentoml versions this was written for it warns once, ``request_model`` returns None, and every
request goes through BentoML as before.
"""

from __future__ import annotations

from typing import Any

from conveyor.compat.patches import BENTOML_DIRECT_IO


def request_model(service: Any, api: str) -> Any | None:
    """The pydantic class BentoML validates ``api``'s request body with (``.root`` is the value), or None."""
    if not BENTOML_DIRECT_IO.check():
        return None
    return service.apis[api].input_spec


def response_headers(service_name: str) -> list[tuple[bytes, bytes]]:
    """The headers BentoML adds to every API answer: ``Server``, and ``X-BentoML-Request-ID`` when traced."""
    from bentoml._internal.context import trace_context

    headers = [(b"server", f"BentoML Service/{service_name}".encode())]
    if trace_context.request_id is not None:
        headers.append((b"x-bentoml-request-id", format(trace_context.request_id, "016x").encode()))
    return headers
