"""The promotion history: every move of a model's ``champion`` alias, kept in the MLflow registry.

Each move is one tag of the registered model, ``conveyor.history.<sequence number>`` (six digits, from 1),
whose value is a ``PromotionEvent`` as JSON. ``registry.set_champion`` appends the event inside the
promotion lease, for promotions (the training pipeline's promote step) and rollbacks alike, so sequence
numbers have no gaps and their order is the order of the moves. The history lives with the registry (the
MLflow server or its SQLite store), not in one machine's state directory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from conveyor.names import MlflowTag

logger = logging.getLogger(__name__)

EventKind = Literal["promotion", "rollback"]
MAX_REASON_CHARS = 2000  # a reason is cut to this length, so one event stays well inside any tag limit
_PREFIX = f"{MlflowTag.HISTORY}."


class PromotionEvent(BaseModel):
    """One move of the champion alias: when, from which version to which, of what kind, why, by which run."""

    model_config = ConfigDict(frozen=True)

    seq: int  # 1, 2, ...: the order of the moves
    at: str  # ISO 8601, UTC
    kind: EventKind
    from_version: str | None  # None: the model's first champion
    to_version: str
    reason: str
    zenml_run: str | None = None  # the name of the ZenML run that moved the alias (None: moved from code)


def event_tag(seq: int) -> str:
    """The registered-model tag that holds event ``seq``."""
    return f"{_PREFIX}{seq:06d}"


def events_from_tags(tags: Mapping[str, str]) -> list[PromotionEvent]:
    """The events among a registered model's tags, oldest first; an unreadable one is skipped with a warning."""
    events = []
    for key, value in tags.items():
        if not key.startswith(_PREFIX):
            continue
        try:
            events.append(PromotionEvent.model_validate_json(value))
        except ValidationError as exc:
            logger.warning("Skipping promotion-history tag %s: not a promotion event (%s)", key, exc)
    return sorted(events, key=lambda e: e.seq)


def next_event(
    tags: Mapping[str, str],
    *,
    at: str,
    kind: EventKind,
    from_version: str | None,
    to_version: str,
    reason: str,
    zenml_run: str | None,
) -> PromotionEvent:
    """The event that follows the ones in ``tags`` (numbered after the highest, also an unreadable one)."""
    numbers = [int(key[len(_PREFIX) :]) for key in tags if key.startswith(_PREFIX) and key[len(_PREFIX) :].isdigit()]
    return PromotionEvent(
        seq=max(numbers, default=0) + 1,
        at=at,
        kind=kind,
        from_version=from_version,
        to_version=to_version,
        reason=reason[:MAX_REASON_CHARS],
        zenml_run=zenml_run,
    )


def append_event(client: Any, model_name: str, **event: Any) -> PromotionEvent:
    """Write the next event of ``model_name`` (keywords as ``next_event``); the caller holds the promotion lease."""
    recorded = next_event(client.get_registered_model(model_name).tags or {}, **event)
    client.set_registered_model_tag(model_name, event_tag(recorded.seq), recorded.model_dump_json())
    return recorded


def promotion_history(tracking_uri: str, model_name: str) -> list[PromotionEvent]:
    """Every recorded move of ``model_name``'s champion alias, oldest first (empty for an unknown model)."""
    import mlflow
    from mlflow.exceptions import MlflowException

    try:
        model = mlflow.MlflowClient(tracking_uri=tracking_uri).get_registered_model(model_name)
    except MlflowException:
        return []
    return events_from_tags(model.tags or {})


def previous_champion(events: Sequence[PromotionEvent], current: str) -> str | None:
    """The version that was champion before ``current``: the ``from_version`` of the move that made it champion.

    None when the history does not end with a move to ``current`` (no history, or the alias was moved
    outside Conveyor) or when that move made the first champion.
    """
    if not events or events[-1].to_version != current:
        return None
    return events[-1].from_version


def describe(event: PromotionEvent, reason_chars: int = 100) -> str:
    """One line for people: ``#3 2026-11-02T10:00:00+00:00 rollback 2 -> 1: reason (run name)``.

    A reason longer than ``reason_chars`` is cut there and ends with "...".
    """
    source = event.from_version if event.from_version is not None else "none"
    run = f" ({event.zenml_run})" if event.zenml_run else ""
    reason = event.reason or "-"
    if len(reason) > reason_chars:
        reason = reason[: reason_chars - 3].rstrip() + "..."
    return f"#{event.seq} {event.at} {event.kind} {source} -> {event.to_version}: {reason}{run}"
