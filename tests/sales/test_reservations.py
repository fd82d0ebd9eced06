"""Online orders: a hard hold on first-expiring stock that ends exactly once."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain import db, errors
from domain.roles import Role
from domain.sales import release, reservations
from domain.sales.model import Channel, CustomerType
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import add_product


def order(world, product_id: int, grams: str, ref: str = "WEB-1", **extra):
    return reservations.CreateReservation(
        location_id=world.ca.location_id,
        order_ref=ref,
        channel=Channel.PICKUP,
        lines=[reservations.OrderLine(Decimal(grams), product_id=product_id)],
        **extra,
    )


async def _product_with_two_lots(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    product, soon = await add_product(lead, "RES-1", expires_in_days=10)
    early_tag, early = await floor_package(world, "3", product=(product, soon))
    async with db.connection() as conn:
        later_batch = await conn.fetchval(
            "INSERT INTO batch (product, producer_batch_number, lab_status, expires_on,"
            " created_at) VALUES ($1, 'LATER', 'passed', current_date + 300, now()) RETURNING id",
            product,
        )
    late_tag, late = await floor_package(world, "10", product=(product, later_batch))
    return product, (early_tag, early), (late_tag, late)


async def _status(reservation_id: int) -> str:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT status FROM reservation WHERE id = $1", reservation_id)


async def test_an_order_takes_the_first_expiring_lots_off_the_floor(world):
    product, (_, early), (_, late) = await _product_with_two_lots(world)
    outcome = await reservations.create_reservation(
        new_uow(), world.as_(Role.BUDTENDER), order(world, product, "5")
    )
    assert await floor_quantity(world, early) == 0
    assert await floor_quantity(world, late) == Decimal(8)
    assert await _status(outcome.value.reservation_id) == "held"
    await assert_ledger_balances()


async def test_a_shortage_says_what_is_missing_and_holds_nothing(world):
    product, (_, early), (_, _late) = await _product_with_two_lots(world)
    with pytest.raises(errors.ReservationShortage) as refused:
        await reservations.create_reservation(
            new_uow(), world.as_(Role.BUDTENDER), order(world, product, "20")
        )
    [missing] = refused.value.missing
    assert (missing.requested, missing.available) == (Decimal("20"), Decimal("13"))
    assert await floor_quantity(world, early) == 3
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM reservation") == 0


async def test_a_platform_resending_its_order_gets_the_same_reservation(world):
    product, *_ = await _product_with_two_lots(world)
    budtender = world.as_(Role.BUDTENDER)
    first = await reservations.create_reservation(new_uow(), budtender, order(world, product, "2"))
    again = await reservations.create_reservation(new_uow(), budtender, order(world, product, "2"))
    assert again.replayed
    assert again.value.reservation_id == first.value.reservation_id


async def test_cancelling_puts_the_stock_back_where_it_came_from(world):
    product, (_, early), (_, late) = await _product_with_two_lots(world)
    budtender = world.as_(Role.BUDTENDER)
    held = await reservations.create_reservation(new_uow(), budtender, order(world, product, "5"))
    await reservations.cancel_reservation(
        new_uow(),
        budtender,
        reservations.CloseReservation(held.value.reservation_id, "customer called"),
    )
    assert (await floor_quantity(world, early), await floor_quantity(world, late)) == (3, 10)
    assert await _status(held.value.reservation_id) == "cancelled"


async def test_an_expired_hold_releases_its_stock_and_cannot_then_be_fulfilled(world):
    product, (_, early), _ = await _product_with_two_lots(world)
    budtender = world.as_(Role.BUDTENDER)
    held = await reservations.create_reservation(new_uow(), budtender, order(world, product, "2"))
    async with db.connection() as conn:
        await conn.execute("UPDATE reservation SET expires_at = now() - interval '1 second'")
    assert await release.expire_due(new_uow()) == 1
    assert await floor_quantity(world, early) == 3
    with pytest.raises(errors.ReservationNotHeld):
        await reservations.fulfil_reservation(
            new_uow(),
            budtender,
            reservations.FulfilReservation(
                held.value.reservation_id, "R1", "9001", CustomerType.ADULT_USE, customer_key="c1"
            ),
        )


async def test_fulfilling_sells_the_reserved_stock_with_limits_checked(world):
    product, (_, _early), (_, _late) = await _product_with_two_lots(world)
    budtender = world.as_(Role.BUDTENDER)
    held = await reservations.create_reservation(new_uow(), budtender, order(world, product, "5"))
    done = await reservations.fulfil_reservation(
        new_uow(),
        budtender,
        reservations.FulfilReservation(
            held.value.reservation_id, "R1", "9002", CustomerType.ADULT_USE, customer_key="c1"
        ),
    )
    assert done.value.sale_id is not None
    assert await _status(held.value.reservation_id) == "fulfilled"
    async with db.connection() as conn:
        reserved_left = await conn.fetchval(
            "SELECT coalesce(sum(sb.quantity), 0) FROM stock_balance sb JOIN zone z"
            " ON z.id = sb.zone WHERE z.kind = 'reserved'"
        )
    assert reserved_left == 0
    await assert_ledger_balances()


async def test_an_order_fulfilled_as_it_expires_ends_in_exactly_one_state(world):
    product, *_ = await _product_with_two_lots(world)
    budtender = world.as_(Role.BUDTENDER)
    for attempt in range(5):
        held = await reservations.create_reservation(
            new_uow(), budtender, order(world, product, "1", ref=f"RACE-{attempt}")
        )
        rid = held.value.reservation_id
        async with db.connection() as conn:
            await conn.execute("UPDATE reservation SET expires_at = now() WHERE id = $1", rid)
        results = await asyncio.gather(
            release.expire_due(new_uow()),
            reservations.fulfil_reservation(
                new_uow(),
                budtender,
                reservations.FulfilReservation(
                    rid, "R1", f"R-{attempt}", CustomerType.ADULT_USE, customer_key="c9"
                ),
            ),
            return_exceptions=True,
        )
        status = await _status(rid)
        fulfilled = not isinstance(results[1], BaseException)
        assert status == ("fulfilled" if fulfilled else "expired")
        if not fulfilled:
            assert isinstance(results[1], errors.ReservationNotHeld)
    await assert_ledger_balances()
