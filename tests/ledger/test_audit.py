"""The nightly audit finds a tampered ledger, even when the tamperer disabled the guards."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import job_ctx, new_uow
from workers.jobs import verify_ledger


async def _move(world, grams: str) -> None:
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(grams),
        ),
    )


async def test_an_untouched_ledger_passes_the_audit(world):
    await _move(world, "2")
    assert await verify_ledger(job_ctx()) == {"locations": 2, "broken": 0, "dangling": 0}


async def test_a_quantity_edited_behind_the_triggers_back_is_caught(world):
    await _move(world, "2")
    await _move(world, "1")
    async with db.connection() as conn:
        await conn.execute("ALTER TABLE movement DISABLE TRIGGER movement_append_only")
        try:
            await conn.execute("UPDATE movement SET quantity = 0.5 WHERE sequence = 2")
        finally:
            await conn.execute("ALTER TABLE movement ENABLE TRIGGER movement_append_only")
    result = await verify_ledger(job_ctx(), world.ca.location_id)
    assert result["broken"] == 1


async def test_a_movement_pointing_at_another_stores_zone_is_caught(world):
    await _move(world, "2")
    async with db.connection() as conn:
        await conn.execute("ALTER TABLE movement DISABLE TRIGGER movement_append_only")
        try:
            await conn.execute(
                "UPDATE movement SET to_zone = $1 WHERE sequence = 2",
                world.co.zone(ZoneKind.SALES_FLOOR),
            )
        finally:
            await conn.execute("ALTER TABLE movement ENABLE TRIGGER movement_append_only")
    result = await verify_ledger(job_ctx(), world.ca.location_id)
    assert result["dangling"] == 1
