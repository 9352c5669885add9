"""conveyor.compat.bento_io: BentoML's list endpoints answer the same, with their schema work done once."""

from __future__ import annotations

from typing import Any

import pytest

bentoml = pytest.importorskip("bentoml")


def _service() -> Any:
    @bentoml.service(name="echo", metrics={"enabled": False})  # two in one process: no shared series
    class Echo:
        @bentoml.api
        def double(self, values: list[float], /) -> list[float]:
            return [2 * v for v in values]

        @bentoml.api
        def total(self, values: list[float], /) -> float:
            return sum(values)

    return Echo


def _answers(service: Any) -> list[tuple[int, Any]]:
    from starlette.testclient import TestClient

    with TestClient(service.to_asgi()) as client:
        calls = [("/double", [1.5, 2.0]), ("/double", []), ("/double", ["x"]), ("/total", [1.0, 2.5])]
        return [(r.status_code, r.json()) for r in (client.post(path, json=body) for path, body in calls)]


def test_list_endpoints_answer_the_same_after_the_speed_up() -> None:
    from conveyor.compat.bento_io import speed_up_json_io

    plain, fast = _service(), _service()
    assert speed_up_json_io(fast) == 4  # both endpoints take a list; a bare number answer is a root model too
    before, after = _answers(plain), _answers(fast)
    assert [status for status, _ in after] == [status for status, _ in before] == [200, 200, 400, 200]
    assert after[0][1] == before[0][1] == [3.0, 4.0]
    assert after[2][1]["detail"][0]["loc"] == before[2][1]["detail"][0]["loc"]
    assert after[3][1] == before[3][1] == 3.5


def test_the_memoized_schema_is_a_fresh_copy_each_time() -> None:
    from conveyor.compat.bento_io import speed_up_json_io

    service = _service()
    spec = service.apis["double"].input_spec
    original = spec.model_json_schema()
    speed_up_json_io(service)
    first = spec.model_json_schema()
    assert first == original
    first["type"] = "changed by a caller"  # the OpenAPI builder edits what it gets
    assert spec.model_json_schema() == original
    assert speed_up_json_io(service) == 0  # a second call changes nothing
