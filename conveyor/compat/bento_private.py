"""BentoML internals that Conveyor's serving and tests build on, each checked against its declaration.

Contract:

- ``TrafficMetricsMiddleware`` is BentoML's (private) HTTP traffic-metrics middleware, which
  conveyor/serving/traffic_metrics.py subclasses, with three changes: its metrics are registered once per
  process and namespace (a second app in one process reuses them instead of registering them again);
  ``metrics_response`` answers ``/metrics`` with the process's Prometheus registry, which a service with
  BentoML's own metrics off has no route for; and an HTTP request is counted as BentoML counts it (the same
  metrics, labels and values) with each labelled child looked up once per endpoint and status, not on every
  request (prometheus-client's ``labels()`` takes a lock and walks its labels each time). Building one checks
  ``BENTOML_TRAFFIC_METRICS`` (patches.py): outside its bentoml versions it raises CompatError, since the
  service's ``/metrics`` rests on it.
- ``bento_path_spec`` is the include/exclude matcher that ``bentoml build`` uses, so tests can check
  bentofile.yaml with it (``BENTOML_PATH_SPEC``; CompatError outside its versions).
"""

from __future__ import annotations

from timeit import default_timer
from typing import Any

from bentoml._internal.server.http.instruments import RunnerTrafficMetricsMiddleware

from conveyor.compat.patches import BENTOML_PATH_SPEC, BENTOML_TRAFFIC_METRICS


class TrafficMetricsMiddleware(RunnerTrafficMetricsMiddleware):
    """BentoML's traffic-metrics ASGI middleware, with its metrics registered once per process.

    Takes the parent's arguments (the ASGI app to hand requests on to, ``namespace``); ``__call__`` counts a
    request under ``scope["path"]`` as BentoML does.
    """

    _shared: dict[str, dict[str, Any]] = {}  # namespace -> the metric objects, registered once per process

    def __init__(self, app: Any, *args: Any, **kwargs: Any) -> None:
        BENTOML_TRAFFIC_METRICS.check()
        super().__init__(app, *args, **kwargs)

    _children: dict[tuple[Any, ...], Any]

    def _child(self, metric: str, endpoint: str, status: int | None = None) -> Any:
        """The labelled child of metric ``metrics_<metric>`` for ``endpoint`` (and ``status``), looked up once."""
        from bentoml._internal.context import server_context

        key = (metric, endpoint, status)
        child = self._children.get(key)
        if child is None:
            labels = {"endpoint": endpoint, "service_name": server_context.bento_name,
                      "service_version": server_context.bento_version, "runner_name": server_context.service_name}
            if metric == "last_request_timestamp":
                labels.pop("endpoint")
            if status is not None:
                labels["http_response_code"] = status
            child = self._children[key] = getattr(self, f"metrics_{metric}").labels(**labels)
        return child

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """BentoML's counting of an HTTP request, with the labelled children remembered; anything else is BentoML's."""
        if scope["type"] != "http" or scope["path"] == "/metrics":
            await super().__call__(scope, receive, send)
            return
        if not self._is_setup:
            self._setup()
        endpoint = scope["path"]
        if not endpoint.startswith(tuple(self.skip_paths)):
            self._child("last_request_timestamp", endpoint).set_to_current_time()
        started = default_timer()
        status = 0

        async def counted_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                self._child("request_total", endpoint, status).inc()
                self._child("request_duration", endpoint, status).observe(max(default_timer() - started, 0))
            await send(message)

        with self._child("request_in_progress", endpoint).track_inprogress():
            await self.app(scope, receive, counted_send)

    def _setup(self) -> None:  # type: ignore[override]
        """Create (once per process) or reuse the metrics: a second app in one process must not re-register them."""
        shared = self._shared.get(self.namespace)
        if shared is None:
            super()._setup()
            shared = {k: v for k, v in vars(self).items() if k.startswith("metrics_")}
            self._shared[self.namespace] = shared
        vars(self).update(shared)
        self._children = {}
        self._is_setup = True

    async def metrics_response(self, scope: Any, receive: Any, send: Any) -> None:
        """Answer the request in ``scope`` with every metric of the process's Prometheus registry."""
        from starlette.responses import Response

        if not self._is_setup:
            self._setup()
        client = self.metrics_client
        await Response(client.generate_latest(), status_code=200, media_type=client.CONTENT_TYPE_LATEST)(
            scope, receive, send
        )


def bento_path_spec(include: list[str], exclude: list[str], root: str) -> Any:
    """The matcher ``bentoml build`` uses for ``include``/``exclude`` patterns under ``root``; ``.includes(path)``."""
    BENTOML_PATH_SPEC.check()
    from bentoml._internal.bento.build_config import BentoPathSpec

    return BentoPathSpec(include, exclude, root)
