"""The floor manager's low-stock signal, from the register's point of view."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain import events
from domain.catalog import services as catalog
from domain.roles import Role
from domain.sales import sales
from tests.sales.helpers import floor_package, sale
from tests.support.world import add_product


async def test_the_sale_that_takes_a_product_below_its_threshold_raises_low_stock(world):
    lead, budtender = world.as_(Role.INVENTORY_LEAD), world.as_(Role.BUDTENDER)
    product, batch = await add_product(lead, "LOW-1")
    await catalog.update_product(
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(product, {"low_stock_threshold": Decimal("10")}),
    )
    first, _ = await floor_package(world, "8", product=(product, batch))
    second, _ = await floor_package(world, "6", product=(product, batch))
    published: list[events.Event] = []

    async def capture(batch_of_events: Sequence[events.Event]) -> None:
        published.extend(batch_of_events)

    events.set_publisher(capture)
    try:
        await sales.record_sale(budtender, sale(world, (first, "3")))  # 14 -> 11
        await sales.record_sale(budtender, sale(world, (second, "2"), customer="c2"))  # -> 9
        await sales.record_sale(budtender, sale(world, (first, "1"), customer="c3"))  # -> 8
    finally:
        events.set_publisher(None)
    low = [e.data for e in published if e.topic == "low_stock"]
    assert low == [{"product_id": product, "floor_quantity": "9.000", "threshold": "10.000"}]
