"""Domain events, and the unit of work that publishes them only after its transaction commits.

Live floor displays must never show stock that a rolled-back transaction did not move, so events
are collected while the transaction runs and handed to the publisher after COMMIT. Publication is
at-most-once (Redis pub/sub); subscribers re-read fresh data and clients refetch on reconnect.
Durable consumers (state reports, webhooks) use outbox rows written inside the transaction instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Something that happened at a location; ``topic`` picks the subscribers."""

    topic: str
    location_id: int
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: its deep copy of ``data`` was a fifth of a busy worker's CPU.
        return {"topic": self.topic, "location_id": self.location_id, "data": self.data}


Publisher = Callable[[Sequence[Event]], Awaitable[None]]


async def _discard(events: Sequence[Event]) -> None:
    return None


_publisher: Publisher = _discard
_pending: contextvars.ContextVar[list[Event] | None] = contextvars.ContextVar(
    "leafledger_pending_events", default=None
)


def fanout(*publishers: Publisher) -> Publisher:
    """One publisher that hands the same committed events to several (Redis, job kicks)."""

    async def publish(events: Sequence[Event]) -> None:
        for publisher in publishers:
            try:
                await publisher(events)
            except Exception:
                log.exception("an event publisher failed after commit")

    return publish


def set_publisher(publisher: Publisher | None) -> None:
    """Install the process's publisher (Redis in the API and worker; nothing in pure tests)."""
    global _publisher
    _publisher = publisher or _discard


def record(event: Event) -> None:
    """Queue ``event`` for publication when the surrounding unit of work commits."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("events can only be recorded inside a unit of work")
    pending.append(event)


@contextlib.asynccontextmanager
async def unit_of_work() -> AsyncIterator[None]:
    """One transaction whose events are published after it commits (and dropped if it fails).

    Nested units join the outer one, so a service may call another service.
    """
    if _pending.get() is not None:
        async with db.transaction():
            yield
        return
    pending: list[Event] = []
    token = _pending.set(pending)
    try:
        async with db.transaction():
            yield
    finally:
        _pending.reset(token)
    if pending:
        try:
            await _publisher(pending)
        except Exception:  # a dead Redis must not turn a committed change into an error
            log.exception("publishing %d events failed after commit", len(pending))
