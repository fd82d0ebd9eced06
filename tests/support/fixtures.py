"""Fixtures for talking to the API in-process (httpx over ASGI) with the real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from domain.compliance import adjustment_reasons, connections
from domain.identity.principal import Principal
from domain.inventory.model import AdjustmentReason
from domain.roles import Role
from tests.doubles.metrc import MetrcDouble, metrc_double_async
from tests.support.units import new_uow, publishing


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def api(clean_db: str) -> AsyncIterator[GraphQLClient]:
    """The real app; its lifespan is skipped (the suite owns the pool), the broadcaster runs."""
    from api.app import create_app
    from domain import settings

    app = create_app(settings.load())
    broadcaster = app.graphql.broadcaster
    await broadcaster.start()
    transport = httpx.ASGITransport(app=app)
    try:
        # Services a test calls directly announce through the same broadcaster as the app's.
        with publishing(broadcaster.publish):
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield GraphQLClient(http)
    finally:
        await broadcaster.stop()


@pytest.fixture(scope="session")
async def metrc_server() -> AsyncIterator[MetrcDouble]:
    async with metrc_double_async() as double:
        yield double


@pytest.fixture
async def metrc(metrc_server: MetrcDouble, world) -> MetrcDouble:
    """The double, emptied, holding the world's package (10 g, as in our books)."""
    metrc_server.reset()
    metrc_server.state.add_package(world.tag, "OG Kush 3.5g", Decimal(10), "Grams")
    await connections.configure(
        new_uow(),
        world.as_(Role.ADMIN),
        connections.ConfigureConnection(
            location_id=world.ca.location_id,
            base_url=metrc_server.base_url,
            credentials={
                "vendor_key": metrc_server.vendor_key,
                "user_key": metrc_server.user_key,
            },
            # The double's packages are new: two days of windows is the whole history.
            settings={
                "history_start": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
                "timeout_seconds": 1.5,
            },
        ),
    )
    await map_metrc_reasons(world.as_(Role.COMPLIANCE), world.ca.location_id)
    metrc_server.log.clear()
    return metrc_server


# How the test licence sends our reasons (the double lists CA's reasons). Sample, QA testing
# and "other" stay unmapped, as at a licence whose compliance officer has not chosen yet.
METRC_REASONS = {
    AdjustmentReason.DAMAGE: "Damage",
    AdjustmentReason.THEFT: "Theft",
    AdjustmentReason.EXPIRED: "Spoilage",
    AdjustmentReason.DESTRUCTION: "Waste",
    AdjustmentReason.PACKAGING_WASTE: "Waste",
    AdjustmentReason.COUNT_CORRECTION: "Scale Variance",
    AdjustmentReason.ENTRY_ERROR: "Entry Error",
}


async def map_metrc_reasons(principal: Principal, location_id: int) -> None:
    """Fetch the licence's reasons from the double and map ours as compliance would."""
    await adjustment_reasons.refresh(
        new_uow(), principal, adjustment_reasons.RefreshStateReasons(location_id)
    )
    for ours, theirs in METRC_REASONS.items():
        await adjustment_reasons.set_mapping(
            new_uow(), principal, adjustment_reasons.SetReasonMapping(location_id, ours, theirs)
        )
