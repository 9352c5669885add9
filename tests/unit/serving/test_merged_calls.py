"""Concurrent requests share model calls: each gets its own rows, and a failed call fails each of its requests."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from conveyor.serving.merged_calls import MergedCalls


class Model:
    """A model call that answers each row's ``x`` doubled, and remembers the size of every call."""

    def __init__(self, fail: bool = False):
        self.calls: list[int] = []
        self.fail = fail

    def __call__(self, columns: dict[str, list[Any]]) -> np.ndarray:
        self.calls.append(len(columns["x"]))
        if self.fail:
            raise RuntimeError("the model is broken")
        return np.asarray(columns["x"], dtype="float64") * 2


def _requests(sizes: list[int]) -> list[dict[str, list[Any]]]:
    start, out = 0, []
    for size in sizes:
        out.append({"x": list(range(start, start + size))})
        start += size
    return out


async def _all(merged: MergedCalls, requests: list[dict[str, list[Any]]]) -> list[Any]:
    return await asyncio.gather(*(merged(r, len(r["x"])) for r in requests), return_exceptions=True)


def test_concurrent_requests_share_one_call_and_each_gets_its_own_rows() -> None:
    model = Model()
    requests = _requests([1, 100, 3, 1])

    answers = asyncio.run(_all(MergedCalls(model, max_rows=2000), requests))

    assert model.calls == [105]
    for request, answer in zip(requests, answers, strict=True):
        np.testing.assert_array_equal(answer, np.asarray(request["x"]) * 2)


def test_calls_hold_at_most_max_rows_and_a_request_is_never_split() -> None:
    model = Model()
    requests = _requests([60, 60, 60, 150, 10])

    answers = asyncio.run(_all(MergedCalls(model, max_rows=130), requests))

    assert model.calls == [120, 60, 150, 10]  # the 150-row request alone, though above the cap
    for request, answer in zip(requests, answers, strict=True):
        np.testing.assert_array_equal(answer, np.asarray(request["x"]) * 2)


def test_requests_that_come_one_after_another_get_a_call_each() -> None:
    model, told = Model(), []
    merged = MergedCalls(model, max_rows=2000, on_call=told.append)

    async def one_by_one() -> None:
        for request in _requests([2, 3, 4]):
            await merged(request, len(request["x"]))

    asyncio.run(one_by_one())

    assert model.calls == [2, 3, 4]
    assert told == [2, 3, 4]


def test_a_failed_call_fails_every_request_in_it_with_its_error() -> None:
    answers = asyncio.run(_all(MergedCalls(Model(fail=True), max_rows=2000), _requests([1, 2, 3])))

    assert [str(a) for a in answers] == ["the model is broken"] * 3
    assert all(isinstance(a, RuntimeError) for a in answers)


def test_a_cancelled_request_is_left_out_of_the_call() -> None:
    model = Model()
    merged = MergedCalls(model, max_rows=2000)

    async def one_leaves() -> list[Any]:
        first, second = _requests([5, 7])
        leaving = asyncio.ensure_future(merged(first, 5))
        staying = asyncio.ensure_future(merged(second, 7))
        await asyncio.sleep(0)  # both queued
        leaving.cancel()
        return [await staying, leaving.cancelled()]

    staying, cancelled = asyncio.run(one_leaves())

    assert cancelled and model.calls == [7]
    np.testing.assert_array_equal(staying, np.arange(5, 12) * 2)


@pytest.mark.parametrize("max_rows", [1, 5])
def test_requests_larger_than_the_cap_are_answered_whole(max_rows: int) -> None:
    model = Model()
    answers = asyncio.run(_all(MergedCalls(model, max_rows=max_rows), _requests([8, 8])))

    assert model.calls == [8, 8]
    assert [len(a) for a in answers] == [8, 8]
