"""The floor manager's low-stock signal, from the register's point of view."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from domain import events
from domain.catalog import services as catalog
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales
from tests.sales.helpers import floor_package, sale
from tests.support.units import new_uow, publishing
from tests.support.world import add_product


async def test_the_sale_that_takes_a_product_below_its_threshold_raises_low_stock(world):
    lead, budtender = world.as_(Role.INVENTORY_LEAD), world.as_(Role.BUDTENDER)
    product, batch = await add_product(lead, "LOW-1")
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(product, {"low_stock_threshold": Decimal("10")}),
    )
    first, _ = await floor_package(world, "8", product=(product, batch))
    second, _ = await floor_package(world, "6", product=(product, batch))
    published: list[events.Event] = []

    async def capture(batch_of_events: Sequence[events.Event]) -> None:
        published.extend(batch_of_events)

    with publishing(capture):
        await sales.record_sale(new_uow(), budtender, sale(world, (first, "3")))  # 14 -> 11
        await sales.record_sale(
            new_uow(), budtender, sale(world, (second, "2"), customer="c2")
        )  # -> 9
        await sales.record_sale(
            new_uow(), budtender, sale(world, (first, "1"), customer="c3")
        )  # -> 8
    low = [
        (e.product_id, e.floor_quantity, e.threshold)
        for e in published
        if isinstance(e, events.FloorStockLow)
    ]
    assert low == [(product, Decimal("9"), Decimal("10"))]


async def test_any_movement_that_takes_the_floor_below_its_threshold_raises_low_stock(world):
    """Not only sales: taking stock to the back room or writing damaged stock off counts too,
    and putting stock back on the floor does not."""
    lead = world.as_(Role.INVENTORY_LEAD)
    product, batch = await add_product(lead, "LOW-2")
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(product, {"low_stock_threshold": Decimal("10")}),
    )
    tag, _ = await floor_package(world, "12", product=(product, batch))
    floor, vault = world.ca.zone(ZoneKind.SALES_FLOOR), world.ca.zone(ZoneKind.VAULT)
    published: list[events.Event] = []

    async def capture(batch_of_events: Sequence[events.Event]) -> None:
        published.extend(batch_of_events)

    def low() -> list[tuple[int, Decimal, Decimal]]:
        return [
            (e.product_id, e.floor_quantity, e.threshold)
            for e in published
            if isinstance(e, events.FloorStockLow)
        ]

    with publishing(capture):
        back = stock.TransferStock(world.ca.location_id, tag, floor, vault, Decimal("3"))
        await stock.transfer_stock(new_uow(), lead, back)  # 12 -> 9: below 10
        assert low() == [(product, Decimal("9"), Decimal("10"))]
        again = stock.TransferStock(world.ca.location_id, tag, vault, floor, Decimal("3"))
        await stock.transfer_stock(new_uow(), lead, again)  # back to 12: nothing to say
        assert len(low()) == 1
        damaged = stock.AdjustStock(
            world.ca.location_id, tag, floor, Decimal("-4"), AdjustmentReason.DAMAGE
        )
        await stock.adjust_stock(new_uow(), lead, damaged)  # 12 -> 8: below again
    assert low() == [(product, Decimal("9"), Decimal("10")), (product, Decimal("8"), Decimal("10"))]
