"""Fixtures for webhook tests: a live receiver, endpoints registered through the service, and
ways to record events and drain the outbox as the worker would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain import db
from domain.roles import Role
from domain.webhooks import delivery, outbox, services
from plugins import registry
from tests.support.units import new_uow
from tests.webhooks.receiver import Receiver


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver(webhook_receiver: Receiver) -> Receiver:
    webhook_receiver.reset()
    return webhook_receiver


async def add_endpoint(
    world: Any,
    url: str,
    *,
    events: tuple[str, ...] = ("*",),
    store: str = "ca",
) -> services.NewEndpoint:
    place = getattr(world, store)
    return await services.create_endpoint(
        new_uow(),
        place.users[Role.MANAGER],
        services.CreateEndpoint(place.location_id, url, events),
    )


async def record(
    location_id: int, event: str, event_id: str, payload: dict[str, Any] | None = None
) -> int:
    """Record an event in its own unit of work, as a reservation service would."""
    uow = new_uow()
    async with uow:
        return await outbox.record(uow, location_id, event, event_id, payload or {"id": event_id})


async def drain(limit: int = 100) -> delivery.DeliveryResult:
    """What the worker's job does: deliver until nothing is due."""
    total = delivery.DeliveryResult()
    while (result := await delivery.deliver_due(registry.current(), limit)).claimed:
        total.delivered += result.delivered
        total.retrying += result.retrying
        total.failed += result.failed
    return total


async def delivery_rows(**where: Any) -> list[dict[str, Any]]:
    clauses = " AND ".join(f"{k} = ${i}" for i, k in enumerate(where, start=1)) or "true"
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT * FROM webhook_delivery WHERE {clauses} ORDER BY id", *where.values()
        )
    return [dict(r) for r in rows]


async def make_due(delivery_id: int) -> None:
    """Skip the backoff wait (the test's stand-in for time passing)."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE webhook_delivery SET next_attempt_at = now() WHERE id = $1", delivery_id
        )
