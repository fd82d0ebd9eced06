"""Two hundred registers, web orders and pickups reaching for the last units at once."""

from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal

from domain import db, errors
from domain.roles import Role
from domain.sales import reservations, sales
from domain.sales.model import Channel, CustomerType
from tests.sales.helpers import floor_package, sale
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import add_product

UNITS = 12
TYPED = (
    errors.InsufficientStock,
    errors.ReservationShortage,
    errors.ReservationNotHeld,
    errors.PurchaseLimitExceeded,
)


async def test_two_hundred_racers_never_oversell_the_last_units(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    product, batch = await add_product(lead, "LAST-UNITS")
    tags = [(await floor_package(world, "4", product=(product, batch)))[0] for _ in range(3)]
    budtender = world.as_(Role.BUDTENDER)
    counter = itertools.count()

    async def register() -> str:
        n = next(counter)
        await sales.record_sale(
            new_uow(), budtender, sale(world, (tags[n % 3], "1"), customer=f"c{n}")
        )
        return "sold"

    async def web_order_then_pickup() -> str:
        n = next(counter)
        held = await reservations.create_reservation(
            new_uow(),
            budtender,
            reservations.CreateReservation(
                world.ca.location_id,
                f"WEB-{n}",
                Channel.DELIVERY,
                [reservations.OrderLine(Decimal(1), product_id=product)],
            ),
        )
        await reservations.fulfil_reservation(
            new_uow(),
            budtender,
            reservations.FulfilReservation(
                held.value.reservation_id,
                "WEB",
                f"W{n}",
                CustomerType.ADULT_USE,
                customer_key=f"w{n}",
            ),
        )
        return "sold"

    racers = [register() if i % 2 else web_order_then_pickup() for i in range(200)]
    results = await asyncio.gather(*racers, return_exceptions=True)

    sold = results.count("sold")
    losers = [r for r in results if r != "sold"]
    assert sold == UNITS
    assert all(isinstance(r, TYPED) for r in losers), {type(r) for r in losers}
    async with db.connection() as conn:
        on_hand = await conn.fetchval(
            "SELECT coalesce(sum(sb.quantity), 0) FROM stock_balance sb JOIN package p"
            " ON p.id = sb.package WHERE p.product = $1",
            product,
        )
        lines = await conn.fetchval("SELECT coalesce(sum(quantity), 0) FROM sale_line")
    assert on_hand == 0
    assert lines == UNITS
    await assert_ledger_balances()
