"""Moving stock between zones: the everyday vault-to-floor restock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import errors
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow


async def test_lead_restocks_floor_from_vault(world):
    outcome = await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            location_id=world.ca.location_id,
            tag=world.tag,
            from_zone_id=world.ca.zone(ZoneKind.VAULT),
            to_zone_id=world.ca.zone(ZoneKind.SALES_FLOOR),
            quantity=Decimal("3.5"),
            unit="grams",
        ),
    )
    assert len(outcome.value.movement_ids) == 1
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal("6.5"),
        world.ca.zone(ZoneKind.SALES_FLOOR): Decimal("3.5"),
    }
    await assert_ledger_balances()


async def test_transfer_of_more_than_the_zone_holds_is_refused_with_what_is_available(world):
    with pytest.raises(errors.InsufficientStock) as refused:
        await stock.transfer_stock(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            stock.TransferStock(
                location_id=world.ca.location_id,
                tag=world.tag,
                from_zone_id=world.ca.zone(ZoneKind.VAULT),
                to_zone_id=world.ca.zone(ZoneKind.SALES_FLOOR),
                quantity=Decimal("10.001"),
            ),
        )
    assert refused.value.available == Decimal("10.000")
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(10)}
