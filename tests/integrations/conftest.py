"""Fixtures for integration tests: connections configured through the service, signed requests
posted through the real Starlette app, and a snapshot of everything a webhook could change."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pluggy
import pytest

from domain import db
from domain.integrations import services
from domain.integrations.tables import IntegrationKind
from domain.roles import Role
from domain.webhooks import signing
from tests.support.units import new_uow
from tests.webhooks.receiver import Receiver


class Hooks:
    """Posts signed (or deliberately badly signed) events to ``/hooks/{kind}/{adapter}``."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(
        self,
        kind: str,
        location_id: int,
        body: bytes,
        secret: str | None,
        *,
        adapter: str = "generic",
        t: int | None = None,
        header: str = signing.HEADER,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[header] = signing.sign(secret, int(time.time()) if t is None else t, body)
        return await self.http.post(
            f"/hooks/{kind}/{adapter}?location={location_id}", content=body, headers=headers
        )


async def app_client(
    plugin_manager: pluggy.PluginManager | None = None,
) -> AsyncIterator[Hooks]:
    """The real app over ASGI. Its lifespan is skipped: the suite owns the pool, and events are
    published to nobody (the default), which is all these tests need."""
    from api.app import create_app
    from domain import settings
    from plugins import registry

    before = registry.installed()
    app = create_app(settings.load(), plugin_manager=plugin_manager)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Hooks(http)
    finally:
        registry.install(before)


@pytest.fixture
async def hooks(clean_db: str) -> AsyncIterator[Hooks]:
    async for client in app_client():
        yield client


async def connect(
    world: Any,
    kind: IntegrationKind = IntegrationKind.POS,
    adapter: str = "generic",
    *,
    acting: Role = Role.BUDTENDER,
    adapters: list[str] | None = None,
    **extra: Any,
) -> str:
    """Configure a connection at the CA store as its manager; return the secret."""
    saved = await services.configure(
        new_uow(),
        world.as_(Role.MANAGER),
        services.ConfigureIntegration(
            location_id=world.ca.location_id,
            kind=kind,
            adapter=adapter,
            acting_user_id=world.as_(acting).user_id,
            **extra,
        ),
        adapters,
    )
    assert saved.secret is not None
    return saved.secret


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def sale_event(
    event_id: str,
    *lines: tuple[str, str],
    receipt: str,
    customer: str = "cust-1",
    register: str = "R1",
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "sale",
        "occurred_at": "2026-11-27T18:04:05Z",
        "register": register,
        "receipt_id": receipt,
        "customer_type": "adult_use",
        "customer_key": customer,
        "lines": [{"tag": tag, "quantity": q, "unit_price": "10.00"} for tag, q in lines],
    }


def void_event(event_id: str, receipt: str, register: str = "R1") -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "void",
        "occurred_at": "2026-11-27T18:09:00Z",
        "register": register,
        "receipt_id": receipt,
        "reason": "rang up twice",
    }


async def snapshot() -> dict[str, Any]:
    """Everything an inbound webhook could change, to compare before and after."""
    async with db.connection() as conn:
        return {
            "sales": await conn.fetchval("SELECT count(*) FROM sale"),
            "sale_statuses": await conn.fetch("SELECT id, status FROM sale ORDER BY id"),
            "movements": await conn.fetchval("SELECT count(*) FROM movement"),
            "balances": await conn.fetch(
                "SELECT package, zone, quantity FROM stock_balance ORDER BY package, zone"
            ),
            "reservations": await conn.fetch("SELECT id, status FROM reservation ORDER BY id"),
            "reports": await conn.fetchval("SELECT count(*) FROM state_report"),
            "idempotency": await conn.fetchval("SELECT count(*) FROM idempotency_record"),
            "events": await conn.fetchval("SELECT count(*) FROM integration_event"),
            "webhooks": await conn.fetchval("SELECT count(*) FROM webhook_delivery"),
        }


@pytest.fixture(scope="session")
def integration_receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def receiver(integration_receiver: Receiver) -> Receiver:
    integration_receiver.reset()
    return integration_receiver
