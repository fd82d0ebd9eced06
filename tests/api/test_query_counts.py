"""N+1 guard: a floor page costs the same number of SQL statements for 10 or 100 packages."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from domain import db
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.queries import PACKAGES
from tests.support.world import add_package, add_product

# principal + packages page + product + batch + balances + zone + the caller's blind-count
# scope (one read per request, docs/counts.md)
EXPECTED_STATEMENTS = 7


async def _page_statements(api, world, first: int) -> int:
    with db.count_queries() as log:
        result = await api(
            PACKAGES,
            {"loc": str(world.ca.location_id), "first": first},
            token=world.ca.token(Role.AUDITOR),
        )
        await asyncio.sleep(0)  # asyncpg reports statements on the next loop turn
    assert "errors" not in result, result
    assert len(result["data"]["packages"]["edges"]) == first
    return len(log)


async def test_a_page_of_100_packages_with_product_batch_and_stock_is_seven_statements(api, world):
    lead = world.as_(Role.INVENTORY_LEAD)
    zones = {world.ca.zone(ZoneKind.VAULT): Decimal(5), world.ca.zone(ZoneKind.SAMPLES): 1}
    for n in range(120):
        if n % 10 == 0:
            product_id, batch_id = await add_product(lead, f"SKU-{n}")
        await add_package(
            lead, world.ca.location_id, f"1A4FF0100000022000{n:06d}", product_id, batch_id, zones
        )
    small = await _page_statements(api, world, 10)
    large = await _page_statements(api, world, 100)
    assert small == large == EXPECTED_STATEMENTS
