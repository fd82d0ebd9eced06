"""Undoing a sale: a void puts stock back where it came from; a return never goes back on the
floor (it waits in quarantine for inspection); neither can give back more than was sold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from tests.sales.helpers import floor_package, floor_quantity, sale
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow


async def _in_zone(world, package_id: int, kind: ZoneKind) -> Decimal:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT coalesce(sum(quantity), 0) FROM stock_balance WHERE package = $1 AND zone = $2",
            package_id,
            world.ca.zone(kind),
        )


def _return(world, receipt: str, tag: str, grams: str, key: str) -> voids.ReturnSale:
    line = voids.ReturnLine(tag, Decimal(grams))
    return voids.ReturnSale(world.ca.location_id, "R1", receipt, [line], "seal broken", key)


async def test_a_void_puts_the_stock_back_on_the_floor_and_tells_the_state(world):
    tag, package_id = await floor_package(world, "10")
    budtender = world.as_(Role.BUDTENDER)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "4"), receipt="V-9"))
    undone = await voids.void_sale(
        new_uow(), budtender, voids.VoidSale(world.ca.location_id, "R1", "V-9", "rang up twice")
    )
    assert undone.value.status == "voided"
    assert await floor_quantity(world, package_id) == Decimal(10)
    async with db.connection() as conn:
        kinds = await conn.fetch("SELECT kind FROM state_report ORDER BY id")
    assert [r["kind"] for r in kinds] == ["sale", "void"]
    await assert_ledger_balances()


async def test_a_return_goes_to_quarantine_never_to_the_floor(world):
    tag, package_id = await floor_package(world, "10")
    budtender = world.as_(Role.BUDTENDER)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "4"), receipt="RT-1"))

    first = await voids.return_sale(new_uow(), budtender, _return(world, "RT-1", tag, "1.5", "r1"))

    assert first.value.status == "partly_returned"
    assert await floor_quantity(world, package_id) == Decimal(6)
    assert await _in_zone(world, package_id, ZoneKind.QUARANTINE) == Decimal("1.5")
    again = await voids.return_sale(new_uow(), budtender, _return(world, "RT-1", tag, "1.5", "r1"))
    assert again.replayed
    assert await _in_zone(world, package_id, ZoneKind.QUARANTINE) == Decimal("1.5")
    rest = await voids.return_sale(new_uow(), budtender, _return(world, "RT-1", tag, "2.5", "r2"))
    assert rest.value.status == "returned"
    await assert_ledger_balances()


async def test_returning_more_than_was_sold_is_refused_and_changes_nothing(world):
    tag, package_id = await floor_package(world, "10")
    budtender = world.as_(Role.BUDTENDER)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "2"), receipt="RT-2"))
    with pytest.raises(errors.ValidationError) as refused:
        await voids.return_sale(new_uow(), budtender, _return(world, "RT-2", tag, "2.5", "r3"))
    assert refused.value.field == "lines"
    assert await _in_zone(world, package_id, ZoneKind.QUARANTINE) == 0
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM state_report WHERE kind = 'return'") == 0
