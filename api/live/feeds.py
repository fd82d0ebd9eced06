"""Which domain events the GraphQL subscriptions read, declared where they read them.

A subscription makes its ``Feed`` at import (``Feed(ReservationUpdated)``), so the set of
subscribed event classes is known once ``api.schema`` is imported: a test checks that every event
type has a subscriber or a job, or is declared unsubscribed in ``domain.events``.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

from domain.broadcast import Delivery
from domain.events import Event

E = TypeVar("E", bound=Event)

SUBSCRIBED: set[type[Event]] = set()


class Feed(Generic[E]):
    """The deliveries of one event type, from a location's queue."""

    def __init__(self, kind: type[E]) -> None:
        self.kind = kind
        SUBSCRIBED.add(kind)

    async def next(self, queue: asyncio.Queue[Delivery]) -> tuple[Delivery, E]:
        """The next delivery of this type (others in the queue are skipped)."""
        while True:
            delivery = await queue.get()
            event = delivery.event
            if isinstance(event, self.kind):
                return delivery, event
