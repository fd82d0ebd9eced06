"""N+1 guard: a page of purchase orders costs the same number of SQL statements for 3 orders
as for 12, each with its lines, shipments and people."""

from __future__ import annotations

import asyncio

from domain import db
from domain.roles import Role
from tests.purchasing import helpers

PAGE = """query($first: Int!) { purchaseOrders(first: $first) { nodes { id status totalCost
  lines { sku expectedQuantity receivedQuantity } shipmentIds createdBy { email }
  approvedBy { email } } } }"""


async def _statements(api, world, first: int) -> int:
    with db.count_queries() as log:
        result = await api(PAGE, {"first": first}, token=world.ca.token(Role.AUDITOR))
        await asyncio.sleep(0)  # asyncpg reports statements on the next loop turn
    assert "errors" not in result, result
    assert len(result["data"]["purchaseOrders"]["nodes"]) == first
    return len(log)


async def test_a_page_of_orders_is_a_fixed_number_of_statements(api, world):
    vendor_id = await helpers.vendor(world)
    pre_roll = await helpers.product(world, "PR-1G")
    for n in range(12):
        if n % 2:
            await helpers.sent(world, vendor_id, {world.product_id: str(n + 1), pre_roll: "3"})
        else:
            await helpers.draft(world, vendor_id, {world.product_id: str(n + 1)})

    # principal + orders + lines + shipments + the users (one batched load)
    assert await _statements(api, world, 3) == await _statements(api, world, 12) == 5
