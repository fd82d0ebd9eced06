"""Fifty people reaching for the last ten grams at once: exactly ten get them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from domain import errors
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow


async def test_fifty_racing_transfers_and_writeoffs_never_oversell_ten_units(world):
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    vault, floor = world.ca.zone(ZoneKind.VAULT), world.ca.zone(ZoneKind.SALES_FLOOR)

    async def transfer() -> object:
        return await stock.transfer_stock(
            new_uow(),
            lead,
            stock.TransferStock(world.ca.location_id, world.tag, vault, floor, Decimal(1)),
        )

    async def write_off() -> object:
        return await stock.adjust_stock(
            new_uow(),
            manager,
            stock.AdjustStock(
                world.ca.location_id, world.tag, vault, Decimal(-1), AdjustmentReason.DAMAGE
            ),
        )

    calls = [transfer() if i % 2 else write_off() for i in range(50)]
    results = await asyncio.gather(*calls, return_exceptions=True)

    succeeded = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(succeeded) == 10
    assert len(refused) == 40
    assert all(isinstance(r, errors.InsufficientStock) for r in refused), refused
    transferred = sum(
        1 for i, r in enumerate(results) if i % 2 and not isinstance(r, BaseException)
    )
    # The vault is empty; what was transferred (not written off) is on the floor.
    expected = {floor: Decimal(transferred)} if transferred else {}
    assert await balances_of(world.package_id) == expected
    await assert_ledger_balances()


async def test_concurrent_retries_with_one_key_move_stock_once(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    vault, floor = world.ca.zone(ZoneKind.VAULT), world.ca.zone(ZoneKind.SALES_FLOOR)
    command = stock.TransferStock(
        world.ca.location_id, world.tag, vault, floor, Decimal(4), idempotency_key="tablet-7:42"
    )
    outcomes = await asyncio.gather(
        *[stock.transfer_stock(new_uow(), lead, command) for _ in range(8)]
    )
    assert sum(not o.replayed for o in outcomes) == 1
    assert {tuple(o.value.movement_ids) for o in outcomes} == {
        tuple(outcomes[0].value.movement_ids)
    }
    assert await balances_of(world.package_id) == {vault: Decimal(6), floor: Decimal(4)}
