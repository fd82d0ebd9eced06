"""A METRC double for the session, reset per test, and the CA store connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.compliance import connections
from domain.roles import Role
from tests.doubles.metrc import MetrcDouble, metrc_double_async


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
    return metrc_server
