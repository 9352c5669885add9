"""Per-request work that BentoML repeats for list-typed endpoints, done once or not at all.

BentoML turns an endpoint whose body or answer is a list (``/predict_batch``, ``/predict_batched``) into an
``IORootModel`` class. That class rebuilds a pydantic ``TypeAdapter`` and its whole JSON schema each time it
is asked for the schema, and it is asked on every request (to tell a JSON body from a string or file, and to
pick the answer's content type). It also parses a body with ``json.loads`` before validating it, and answers
by validating the endpoint's return value again and dumping it twice.

Contract: after ``speed_up_json_io(service)``, every list-typed request and answer class of the service

- computes its JSON schema once per set of arguments and hands out deep copies (callers such as the OpenAPI
  page edit what they get);
- parses a request body with pydantic-core's ``from_json`` (a body that is not JSON still raises
  ``ValueError``) and validates it as before;
- writes a returned list with pydantic-core's ``to_json``, without validating it again: the endpoint is
  trusted to return the documented shape. The JSON is the same, without the spaces.

Classes whose body is a string or a file keep BentoML's handling. Outside the bentoml versions this was
written for (``BENTOML_LIST_IO`` in patches.py) it warns and changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic_core import from_json, to_json

from conveyor.compat.patches import BENTOML_LIST_IO


def _memoized(spec: type) -> Any:
    compute = spec.model_json_schema  # the class's own (bound) method
    cache: dict[Any, dict[str, Any]] = {}

    def model_json_schema(_cls: type, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            key = (args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:  # an unhashable argument: nothing to reuse
            return compute(*args, **kwargs)
        if key not in cache:
            cache[key] = compute(*args, **kwargs)
        return copy.deepcopy(cache[key])

    return classmethod(model_json_schema)


def _validate_json(cls: Any, json_data: str | bytes | bytearray, **kwargs: Any) -> Any:
    return cls.model_validate(from_json(json_data), **kwargs)


def _json_response(spec: type) -> Any:
    answer = spec.to_http_response  # the class's own (bound) method

    async def to_http_response(_cls: type, obj: Any, serde: Any) -> Any:
        from starlette.responses import Response

        if isinstance(obj, list):  # what the endpoint returned, already in the documented shape
            return Response(content=to_json(obj), media_type="application/json")
        return await answer(obj, serde)

    return classmethod(to_http_response)


def speed_up_json_io(service: Any) -> int:
    """Memoize the schema of, and parse or write JSON in pydantic-core for, every list-typed request and
    response class of ``service`` (a ``@bentoml.service`` class); return how many classes were changed."""
    if not BENTOML_LIST_IO.check():
        return 0
    from _bentoml_sdk.io_models import IORootModel

    changed = 0
    for method in service.apis.values():
        for spec, is_input in ((method.input_spec, True), (method.output_spec, False)):
            if not issubclass(spec, IORootModel) or "model_json_schema" in spec.__dict__:
                continue
            if spec.model_json_schema().get("type") in ("string", "file"):
                continue  # not JSON bodies: leave BentoML's handling alone
            spec.model_json_schema = _memoized(spec)
            if is_input:
                spec.model_validate_json = classmethod(_validate_json)
            else:
                spec.to_http_response = _json_response(spec)
            changed += 1
    return changed
