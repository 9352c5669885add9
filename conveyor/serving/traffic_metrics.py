"""BentoML's HTTP traffic metrics with bounded labels: the route template, never the raw request path.

BentoML (1.4.15 to 1.4.39 at least) labels ``bentoml_service_request_total``, ``..._request_duration_seconds`` and
``..._request_in_progress`` with ``scope["path"]`` in a middleware that runs before any of the
service's own middleware (``add_asgi_middleware`` appends after it), so every request to a new unknown
path would add series to ``/metrics`` for good.
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

from starlette.routing import Match

from conveyor.compat.bento_private import TrafficMetricsMiddleware

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


_EXACT: dict[tuple[Any, str], str] = {}  # (app, path) -> label, for paths that are a route's own (not templates)


def cached_route_label(scope: dict[str, Any]) -> str:
    """``route_label``, remembered for a path that is exactly a route's path (``/predict``): a handful of entries.

    Template matches (``/static_content/{path:path}``) and unmatched paths are not remembered, so the cache
    cannot grow with the paths clients make up.
    """
    key = (scope.get("app"), scope["path"])
    label = _EXACT.get(key)
    if label is None:
        label = route_label(scope)
        if label == scope["path"]:
            _EXACT[key] = label
    return label


class BoundedTrafficMetrics(TrafficMetricsMiddleware):
    """BentoML's traffic-metrics middleware whose ``endpoint`` label is a route template or UNMATCHED.

    The parent reads the label from ``scope["path"]`` and passes the same scope on, so this class hands
    it a copy whose path is the label and restores the real path before the request goes further in.
    """

    def __init__(self, app: Any, namespace: str = "bentoml_service"):
        super().__init__(self._restore_path, namespace=namespace)
        self._inner = app

    async def _restore_path(self, scope: Any, receive: Any, send: Any) -> None:
        real = dict(scope)
        real["path"] = real.pop(_REAL_PATH)
        await self._inner(real, receive, send)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._inner(scope, receive, send)
            return
        if scope["path"] == METRICS_PATH:
            await self.metrics_response(scope, receive, send)  # BentoML's app has no /metrics route of its own
            return
        labelled = dict(scope)
        labelled[_REAL_PATH] = scope["path"]
        labelled["path"] = cached_route_label(scope)
        await super().__call__(labelled, receive, send)
