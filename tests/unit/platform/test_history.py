"""The promotion history's logic: events in registered-model tags, their order, and the previous champion."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.names import MlflowTag
from conveyor.platform.history import (
    MAX_REASON_CHARS,
    PromotionEvent,
    describe,
    event_tag,
    events_from_tags,
    next_event,
    previous_champion,
)
from conveyor.platform.registry import linked_zenml_version_id
from conveyor.platform.status import HISTORY_LINES, history_lines


def event(seq: int, source: str | None, to: str, kind: str = "promotion", **more: Any) -> PromotionEvent:
    return PromotionEvent.model_validate(
        {"seq": seq, "at": f"2026-11-0{seq % 9 + 1}T10:00:00+00:00", "kind": kind, "from_version": source,
         "to_version": to, "reason": more.pop("reason", f"move {seq}"), **more}
    )


def as_tags(*events: PromotionEvent) -> dict[str, str]:
    return {event_tag(e.seq): e.model_dump_json() for e in events}


def test_events_are_read_from_their_tags_in_sequence_order_and_other_tags_are_ignored() -> None:
    history = [event(1, None, "1"), event(2, "1", "2"), event(10, "2", "1", kind="rollback")]
    tags = {**as_tags(*reversed(history)), MlflowTag.METRICS.value: "{}", "owner": "ml-team"}
    assert event_tag(10) == "conveyor.history.000010"
    assert events_from_tags(tags) == history  # 10 after 2: by number, not by text


def test_an_unreadable_event_is_skipped_but_still_numbers_the_next_one() -> None:
    tags = {**as_tags(event(1, None, "1")), event_tag(2): "not json"}
    assert [e.seq for e in events_from_tags(tags)] == [1]
    following = next_event(tags, at="now", kind="rollback", from_version="1", to_version="2", reason="r",
                           zenml_run="rollback_pipeline-1")
    assert following.seq == 3


def test_the_next_event_follows_the_highest_number_and_keeps_its_reason_short() -> None:
    first = next_event({}, at="t", kind="promotion", from_version=None, to_version="1", reason="x" * 10_000,
                       zenml_run=None)
    assert first.seq == 1 and len(first.reason) == MAX_REASON_CHARS
    later = next_event(as_tags(event(1, None, "1"), event(2, "1", "2")), at="t", kind="promotion",
                       from_version="2", to_version="3", reason="better", zenml_run="training-7")
    assert (later.seq, later.from_version, later.to_version, later.zenml_run) == (3, "2", "3", "training-7")
    assert PromotionEvent.model_validate_json(later.model_dump_json()) == later


@pytest.mark.parametrize(
    ("history", "current", "previous"),
    [
        ([], "1", None),  # nothing recorded (a registry from before the history)
        ([event(1, None, "1")], "1", None),  # the first champion
        ([event(1, None, "1"), event(2, "1", "2")], "2", "1"),
        ([event(1, None, "1"), event(2, "1", "2"), event(3, "2", "1", kind="rollback")], "1", "2"),  # undo
        ([event(1, None, "1"), event(2, "1", "2")], "3", None),  # the alias was moved outside Conveyor
    ],
)
def test_the_previous_champion_is_where_the_move_to_the_current_one_came_from(
    history: list[PromotionEvent], current: str, previous: str | None
) -> None:
    assert previous_champion(history, current) == previous


def test_one_line_per_event_and_the_status_text_shows_the_newest_first() -> None:
    rollback = event(2, "2", "1", kind="rollback", reason="bad labels", zenml_run="rollback_pipeline-3")
    assert describe(rollback) == f"#2 {rollback.at} rollback 2 -> 1: bad labels (rollback_pipeline-3)"
    assert describe(event(1, None, "1")).startswith("#1 ") and "promotion none -> 1" in describe(event(1, None, "1"))
    long = describe(event(1, None, "1", reason="because " * 40))
    assert long.startswith("#1 ") and "promotion none -> 1: because" in long and long.endswith("...")

    history = [event(i, str(i - 1) if i > 1 else None, str(i)).model_dump() for i in range(1, HISTORY_LINES + 3)]
    lines = history_lines(history)
    assert lines[0].startswith(f"#{HISTORY_LINES + 2} ")
    assert len(lines) == HISTORY_LINES + 1 and "2 earlier" in lines[-1]
    assert history_lines([]) == []


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("churn:4 (0b5e6c1e-0000-0000-0000-000000000000)", "0b5e6c1e-0000-0000-0000-000000000000"),
        ("churn (v2):4 (abc)", "abc"),
        ("churn:4", None),
        (None, None),
    ],
)
def test_the_linked_zenml_model_version_id_is_read_from_its_tag(tag: str | None, expected: str | None) -> None:
    tags = {} if tag is None else {MlflowTag.ZENML_MODEL_VERSION.value: tag}
    assert linked_zenml_version_id(tags) == expected
