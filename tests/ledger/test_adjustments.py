"""Write-offs and write-ons: every one has a reason from the taxonomy, and a person."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow


def _adjust(world, quantity: str, reason: AdjustmentReason, **extra) -> stock.AdjustStock:
    return stock.AdjustStock(
        location_id=world.ca.location_id,
        tag=world.tag,
        zone_id=world.ca.zone(ZoneKind.VAULT),
        quantity=Decimal(quantity),
        reason=reason,
        **extra,
    )


async def test_packaging_waste_is_written_off_with_its_reason_and_actor(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    outcome = await stock.adjust_stock(
        new_uow(), lead, _adjust(world, "-0.75", AdjustmentReason.PACKAGING_WASTE)
    )
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal("9.25")}
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT kind, reason, actor, from_zone, quantity FROM movement WHERE id = $1",
            outcome.value.movement_ids[0],
        )
    assert dict(row) == {
        "kind": "adjust",
        "reason": "packaging_waste",
        "actor": lead.user_id,
        "from_zone": world.ca.zone(ZoneKind.VAULT),
        "quantity": Decimal("0.750"),
    }
    await assert_ledger_balances()


async def test_a_count_correction_can_add_stock_with_a_witness(world):
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    await stock.adjust_stock(
        new_uow(),
        lead,
        _adjust(world, "0.5", AdjustmentReason.COUNT_CORRECTION, witness_id=manager.user_id),
    )
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal("10.5")}


async def test_the_witness_must_differ_from_the_counter(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    with pytest.raises(errors.ValidationError) as refused:
        await stock.adjust_stock(
            new_uow(),
            lead,
            _adjust(world, "1", AdjustmentReason.COUNT_CORRECTION, witness_id=lead.user_id),
        )
    assert refused.value.field == "witnessId"


async def test_a_witness_from_another_operator_is_not_found(world):
    outsider = world.co.users[Role.MANAGER]
    with pytest.raises(errors.NotFound):
        await stock.adjust_stock(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            _adjust(world, "1", AdjustmentReason.COUNT_CORRECTION, witness_id=outsider.user_id),
        )


async def test_theft_needs_a_note(world):
    with pytest.raises(errors.ValidationError) as refused:
        await stock.adjust_stock(
            new_uow(), world.as_(Role.MANAGER), _adjust(world, "-1", AdjustmentReason.THEFT)
        )
    assert refused.value.field == "note"


async def test_writing_off_more_than_is_there_is_refused_and_nothing_moves(world):
    with pytest.raises(errors.InsufficientStock):
        await stock.adjust_stock(
            new_uow(), world.as_(Role.MANAGER), _adjust(world, "-11", AdjustmentReason.DAMAGE)
        )
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(10)}
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM movement WHERE kind = 'adjust'") == 0


async def test_budtenders_cannot_adjust(world):
    with pytest.raises(errors.PermissionDenied):
        await stock.adjust_stock(
            new_uow(), world.as_(Role.BUDTENDER), _adjust(world, "-1", AdjustmentReason.DAMAGE)
        )
