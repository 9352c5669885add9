"""Which version a rollback moves the champion to, and the error (with what to do) when it cannot."""

from __future__ import annotations

import pytest

from conveyor.errors import RollbackError
from conveyor.platform.history import PromotionEvent
from conveyor.platform.rollback import choose_target

VERSIONS = ["1", "2", "3"]


def moves(*pairs: tuple[str | None, str]) -> list[PromotionEvent]:
    return [
        PromotionEvent(seq=i, at="2026-11-02T10:00:00+00:00", kind="promotion", from_version=a, to_version=b,
                       reason="r")
        for i, (a, b) in enumerate(pairs, start=1)
    ]


def test_the_default_target_is_the_previous_champion_and_a_chosen_one_wins() -> None:
    history = moves((None, "1"), ("1", "3"))
    assert choose_target("m", VERSIONS, "3", history, None) == "1"
    assert choose_target("m", VERSIONS, "3", history, "2") == "2"


@pytest.mark.parametrize(
    ("current", "history", "chosen", "words"),
    [
        ("3", moves((None, "1"), ("1", "3")), "7", ["has no version 7", "--set to_version=N", "registered: 1, 2"]),
        ("3", moves((None, "1"), ("1", "3")), "3", ["already the champion", "leave to_version out"]),
        ("1", moves((None, "1")), None, ["first champion", "python run.py --pipeline training", "to_version=N"]),
        ("2", [], None, ["no promotion history", "--set to_version=N", "registered: 1, 3"]),
        ("3", moves((None, "1"), ("1", "2")), None, ["moved outside Conveyor", "--set to_version=N"]),
        ("3", moves((None, "5"), ("5", "3")), None, ["previous champion", "version 5, is no longer registered"]),
    ],
)
def test_a_target_that_cannot_be_used_says_why_and_what_to_do(
    current: str, history: list[PromotionEvent], chosen: str | None, words: list[str]
) -> None:
    with pytest.raises(RollbackError) as failure:
        choose_target("m", VERSIONS, current, history, chosen)
    message = str(failure.value)
    assert "'m'" in message
    for word in words:
        assert word in message, message


def test_a_model_with_one_version_says_there_is_no_other() -> None:
    with pytest.raises(RollbackError, match="no other version is registered"):
        choose_target("m", ["1"], "1", moves((None, "1")), None)
