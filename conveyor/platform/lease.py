"""Leases in the ZenML store: one holder at a time among every process that shares the stack.

A lease is a ZenML tag with a reserved name. The store's unique constraint on tag names makes creating
it atomic (the local SQLite store, or the ZenML server's database on a cluster), so exactly one
contender gets it; the others wait and retry. The holder deletes it by id when it is done. A holder
killed with SIGKILL cannot do that, so a lease older than ``stale_after`` seconds is broken (deleted by
its id, which never removes a newer lease) and the waiters retry. Critical sections must therefore be
much shorter than ``stale_after``; Conveyor's take seconds.

Ages are measured against the lease's creation time, as the store records it, so the clocks of the
machines involved may differ by a little, not by minutes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any
from uuid import UUID

logger = logging.getLogger(__name__)

LEASE_PREFIX = "conveyor.lease:"
STALE_AFTER_S = 300.0
POLL_S = 0.2


def lease_tag_name(name: str) -> str:
    """The name of the ZenML tag that holds lease ``name``."""
    return f"{LEASE_PREFIX}{name}"


@contextmanager
def store_lease(name: str, stale_after: float = STALE_AFTER_S, poll: float = POLL_S) -> Iterator[None]:
    """Hold lease ``name`` in the active ZenML store for the body of the ``with`` block.

    Waits while another process holds it, and breaks a lease older than ``stale_after`` seconds.
    """
    from zenml.client import Client

    client = Client()
    lease_id = _acquire(client, lease_tag_name(name), stale_after, poll)
    try:
        yield
    finally:
        _release(client, lease_id, name, stale_after)


def _acquire(client: Any, tag_name: str, stale_after: float, poll: float) -> UUID:
    from zenml.exceptions import EntityExistsError
    from zenml.utils.time_utils import utc_now

    waiting_logged = False
    while True:
        try:
            return client.create_tag(name=tag_name).id  # type: ignore[no-any-return]
        except EntityExistsError:
            pass
        # A listing, not get_tag: that can fail when the lease is released between its count and its fetch.
        holders = client.list_tags(name=f"equals:{tag_name}").items
        if not holders:
            continue  # released between our attempt and the lookup
        holder = holders[0]
        age = (utc_now(tz_aware=holder.created) - holder.created).total_seconds()
        if age > stale_after:
            logger.warning(
                "Breaking lease '%s': held for %.0f s, longer than %.0f s; its holder probably died",
                tag_name, age, stale_after,
            )
            with suppress(KeyError):  # another waiter broke it first, or its holder released it
                client.zen_store.delete_tag(holder.id)
            continue
        if not waiting_logged:
            logger.info("Waiting for lease '%s' (held for %.1f s by another process)", tag_name, age)
            waiting_logged = True
        time.sleep(poll)


def _release(client: Any, lease_id: UUID, name: str, stale_after: float) -> None:
    try:
        client.zen_store.delete_tag(lease_id)
    except KeyError:
        logger.error(
            "Lease '%s' was broken while this process held it (held longer than %.0f s): another process "
            "may have entered the same critical section; check what it changed",
            name, stale_after,
        )
