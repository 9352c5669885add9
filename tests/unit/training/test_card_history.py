"""The model card's promotion-history section: newest first, kept current when a rollback rewrites it."""

from __future__ import annotations

from conveyor.platform.history import PromotionEvent
from conveyor.training.card import HISTORY_HEADING, HISTORY_ROWS, history_section, with_history


def event(seq: int, source: str | None, to: str, kind: str = "promotion", reason: str = "r") -> PromotionEvent:
    return PromotionEvent(seq=seq, at=f"2026-11-02T10:00:0{seq % 10}+00:00", kind=kind, from_version=source,
                          to_version=to, reason=reason, zenml_run=f"run-{seq}")


HISTORY = [event(1, None, "1"), event(2, "1", "2"), event(3, "2", "1", kind="rollback", reason="a | b\nc")]
CARD = "# Model card: m version 2\n\n## Gate decision\nVerdict.\n\n## Limitations\n- few rows\n"


def test_the_section_lists_every_move_newest_first_as_one_table_row_each() -> None:
    section = history_section(HISTORY)
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [row.split(" | ")[0] for row in rows] == ["| 3", "| 2", "| 1"]
    assert "| rollback | 2 | 1 | a \\| b c | run-3 |" in rows[0]  # a reason cannot break the table
    assert "| promotion | - | 1 |" in rows[2]


def test_a_long_history_shows_the_newest_rows_and_says_so() -> None:
    many = [event(i, str(i - 1), str(i)) for i in range(1, HISTORY_ROWS + 6)]
    section = history_section(many)
    assert f"the newest {HISTORY_ROWS} of {HISTORY_ROWS + 5}" in section
    numbers = [line.split(" | ")[0] for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    assert numbers[1:] == [f"| {n}" for n in range(HISTORY_ROWS + 5, 5, -1)]


def test_with_history_appends_the_section_once_and_then_replaces_it_in_place() -> None:
    first = with_history(CARD, HISTORY[:2])
    assert first.startswith(CARD.rstrip()) and first.count(HISTORY_HEADING) == 1
    later = with_history(first, HISTORY)
    assert later.count(HISTORY_HEADING) == 1 and "| rollback |" in later
    assert with_history(later, HISTORY) == later

    # A section in the middle keeps what follows it.
    middle = CARD.replace("## Limitations", f"{history_section(HISTORY[:1])}\n## Limitations")
    updated = with_history(middle, HISTORY)
    assert updated.index(HISTORY_HEADING) < updated.index("## Limitations")
    assert updated.endswith("## Limitations\n- few rows\n") and "| rollback |" in updated
