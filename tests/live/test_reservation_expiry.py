"""Orders whose hold ran out while no worker was running, and Redis forgot every scheduled
wake-up: the next worker's sweep puts all their stock back."""

from __future__ import annotations

import asyncio
import os
import time
from decimal import Decimal

import pytest

from domain import db
from domain.roles import Role
from domain.sales import reservations
from domain.sales.model import Channel
from tests.conftest import SETTINGS
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.processes import start_worker, stop
from tests.support.redis_keys import forget_queue
from tests.support.units import new_uow
from tests.support.world import add_product

ORDERS = 20


@pytest.mark.slow
async def test_the_sweeper_releases_every_overdue_order_after_redis_lost_its_queue(world):
    lead, budtender = world.as_(Role.INVENTORY_LEAD), world.as_(Role.BUDTENDER)
    product, batch = await add_product(lead, "EXPIRY")
    _, package_id = await floor_package(world, str(ORDERS), product=(product, batch))
    for n in range(ORDERS):
        await reservations.create_reservation(
            new_uow(),
            budtender,
            reservations.CreateReservation(
                world.ca.location_id,
                f"LOST-{n}",
                Channel.PICKUP,
                [reservations.OrderLine(Decimal(1), product_id=product)],
                hold_minutes=30,
            ),
        )
    assert await floor_quantity(world, package_id) == 0
    async with db.connection() as conn:
        await conn.execute("UPDATE reservation SET expires_at = now() - interval '1 minute'")
    await forget_queue(os.environ["LEAFLEDGER_REDIS_URL"], SETTINGS.redis_prefix)

    worker = start_worker()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with db.connection() as conn:
                held = await conn.fetchval("SELECT count(*) FROM reservation WHERE status = 'held'")
            if held == 0:
                break
            await asyncio.sleep(0.2)
    finally:
        stop(worker)
    assert held == 0
    assert await floor_quantity(world, package_id) == ORDERS
