"""BentoML's HTTP traffic metrics with bounded labels: the route template, never the raw request path.

BentoML (1.4.15 to 1.4.39 at least) labels ``bentoml_service_request_total``, ``..._request_duration_seconds`` and
``..._request_in_progress`` with ``scope["path"]`` in a middleware that runs before any of the
service's own middleware (``add_asgi_middleware`` appends after it), so every request to a new unknown
path adds series to ``/metrics`` for good (measured: 40 such requests took it from 6 to 772 lines).
service.py therefore turns BentoML's middleware off (``metrics={"enabled": False}``) and adds this
subclass, which keeps BentoML's metric names, labels and ``/metrics`` endpoint but labels a request
with the path of the route that matched (``/predict``, ``/static_content/{path:path}``) and every
request that matched no route with ``UNMATCHED``. ``/metrics`` also shows conveyor's own counters.

Turning BentoML's middleware off also turns off its ``bentoml_service_adaptive_batch_size``
histogram (the same switch guards it); ``conveyor_predicted_records_total{endpoint="predict_batched"}``
still counts the batched records.
"""

from __future__ import annotations

from typing import Any

from bentoml._internal.server.http.instruments import RunnerTrafficMetricsMiddleware
from starlette.routing import Match

UNMATCHED = "<unmatched>"
METRICS_PATH = "/metrics"
_REAL_PATH = "conveyor.real_path"


def route_label(scope: dict[str, Any]) -> str:
    """The path template of the first route of the Starlette app in ``scope`` that matches, else UNMATCHED."""
    app = scope.get("app")
    router = getattr(app, "router", None)
    for route in getattr(router, "routes", ()):
        match, _ = route.matches(scope)
        if match is not Match.NONE:  # PARTIAL = right path, wrong method: still that route
            return str(route.path)
    return UNMATCHED


class BoundedTrafficMetrics(RunnerTrafficMetricsMiddleware):
    """RunnerTrafficMetricsMiddleware whose ``endpoint`` label is a route template or UNMATCHED.

    The parent reads the label from ``scope["path"]`` and passes the same scope on, so this class hands
    it a copy whose path is the label and restores the real path before the request goes further in.
    """

    _shared: dict[str, dict[str, Any]] = {}  # namespace -> the metric objects, registered once per process

    def __init__(self, app: Any, namespace: str = "bentoml_service"):
        super().__init__(self._restore_path, namespace=namespace)
        self._inner = app

    def _setup(self) -> None:  # type: ignore[override]
        """Create (once per process) or reuse the metrics: a second app in one process must not re-register them."""
        shared = self._shared.get(self.namespace)
        if shared is None:
            super()._setup()
            shared = {k: v for k, v in vars(self).items() if k.startswith("metrics_")}
            self._shared[self.namespace] = shared
        vars(self).update(shared)
        self._is_setup = True

    async def _metrics(self, scope: Any, receive: Any, send: Any) -> None:
        """Answer /metrics here: BentoML's app has no /metrics route while its own metrics are off (bentoml 1.4.15's
        middleware answered it itself; 1.4.39's hands it on to that missing route, which gave 500 here)."""
        from starlette.responses import Response

        if not self._is_setup:
            self._setup()
        client = self.metrics_client
        await Response(client.generate_latest(), status_code=200, media_type=client.CONTENT_TYPE_LATEST)(
            scope, receive, send
        )

    async def _restore_path(self, scope: Any, receive: Any, send: Any) -> None:
        real = dict(scope)
        real["path"] = real.pop(_REAL_PATH)
        await self._inner(real, receive, send)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._inner(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self._metrics(scope, receive, send)
            return
        labelled = dict(scope)
        labelled[_REAL_PATH] = scope["path"]
        labelled["path"] = route_label(scope)
        await super().__call__(labelled, receive, send)
