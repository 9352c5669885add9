"""Route labels of the traffic metrics: remembered for a route's own path only, so the cache stays bounded."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from conveyor.serving import traffic_metrics
from conveyor.serving.traffic_metrics import UNMATCHED, cached_route_label


def _ok(request: object) -> PlainTextResponse:
    return PlainTextResponse("ok")


def test_only_exact_routes_are_remembered() -> None:
    app = Starlette(routes=[Route("/predict", _ok, methods=["POST"]), Route("/files/{name}", _ok)])
    before = len(traffic_metrics._EXACT)

    def label(path: str, method: str = "POST") -> str:
        return cached_route_label({"type": "http", "app": app, "path": path, "method": method})

    assert label("/predict") == label("/predict") == "/predict"
    assert label("/predict", "GET") == "/predict"  # the right path with the wrong method is still that route
    assert label("/files/a") == "/files/{name}" and label("/files/b") == "/files/{name}"
    assert [label(f"/made-up/{i}") for i in range(50)] == [UNMATCHED] * 50
    assert len(traffic_metrics._EXACT) == before + 1  # /predict only: templates and unknown paths are not kept
