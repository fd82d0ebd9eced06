"""Registering packages, holds, releases and recalls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.catalog.model import LabStatus
from domain.inventory import packages, stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow
from tests.support.world import add_package, add_product


def _register(world, tag: str, **changes) -> packages.RegisterPackage:
    fields = dict(
        location_id=world.ca.location_id,
        tag=tag,
        product_id=world.product_id,
        unit="grams",
        batch_id=world.batch_id,
        balances=[packages.OpeningBalance(world.ca.zone(ZoneKind.VAULT), Decimal(28))],
    )
    fields.update(changes)
    return packages.RegisterPackage(**fields)


@pytest.mark.parametrize(
    "tag", ["1A4FF01000000220000001", "1a4ff0100000022000000124", "1A4FF01000000220000001-4", ""]
)
async def test_a_malformed_metrc_tag_is_refused(world, tag):
    with pytest.raises(errors.ValidationError) as refused:
        await packages.register_package(
            new_uow(), world.as_(Role.INVENTORY_LEAD), _register(world, tag)
        )
    assert refused.value.field == "tag"


async def test_a_tag_cannot_be_registered_twice_at_one_location(world):
    with pytest.raises(errors.ValidationError) as refused:
        await packages.register_package(
            new_uow(), world.as_(Role.INVENTORY_LEAD), _register(world, world.tag)
        )
    assert "already registered" in refused.value.reason


async def test_opening_balances_in_another_locations_zone_are_not_found(world):
    foreign = world.co.zone(ZoneKind.VAULT)
    with pytest.raises(errors.NotFound):
        await packages.register_package(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            _register(
                world,
                "1A4FF0100000022000000555",
                balances=[packages.OpeningBalance(foreign, Decimal(1))],
            ),
        )
    async with db.connection() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM package WHERE tag = $1", "1A4FF0100000022000000555"
            )
            == 0
        )


async def test_registering_in_the_wrong_unit_is_a_unit_mismatch(world):
    with pytest.raises(errors.UnitMismatch):
        await packages.register_package(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            _register(world, "1A4FF0100000022000000556", unit="each"),
        )


async def test_a_held_package_cannot_go_to_the_floor_until_released(world):
    manager = world.as_(Role.MANAGER)
    hold = packages.ChangeHold(world.ca.location_id, world.tag, "damaged seal")
    first = await packages.hold_package(new_uow(), manager, hold)
    again = await packages.hold_package(new_uow(), manager, hold)
    assert first.value.changed
    assert not again.value.changed
    move = stock.TransferStock(
        world.ca.location_id,
        world.tag,
        world.ca.zone(ZoneKind.VAULT),
        world.ca.zone(ZoneKind.SALES_FLOOR),
        Decimal(1),
    )
    with pytest.raises(errors.PackageNotSellable):
        await stock.transfer_stock(new_uow(), manager, move)
    await packages.release_package(
        new_uow(), manager, packages.ChangeHold(world.ca.location_id, world.tag, "ok")
    )
    await stock.transfer_stock(new_uow(), manager, move)
    async with db.connection() as conn:
        trail = await conn.fetch(
            "SELECT from_status, to_status FROM package_status_change ORDER BY id"
        )
    assert [(r["from_status"], r["to_status"]) for r in trail] == [
        ("active", "on_hold"),
        ("on_hold", "active"),
    ]


async def test_budtenders_cannot_hold_stock(world):
    with pytest.raises(errors.PermissionDenied):
        await packages.hold_package(
            new_uow(),
            world.as_(Role.BUDTENDER),
            packages.ChangeHold(world.ca.location_id, world.tag, "x"),
        )


async def test_a_recall_holds_every_package_and_pulls_floor_and_reserved_stock(world):
    manager = world.as_(Role.MANAGER)
    zone = world.ca.zone
    second = await add_package(
        manager,
        world.ca.location_id,
        "1A4FF0100000022000000777",
        world.product_id,
        world.batch_id,
        {
            zone(ZoneKind.SALES_FLOOR): Decimal(3),
            zone(ZoneKind.RESERVED): Decimal(1),
            zone(ZoneKind.VAULT): Decimal(2),
        },
    )
    # A package of another batch of the same product must not be touched.
    _, other_batch = await add_product(manager, "OTHER", lab=LabStatus.PASSED)
    untouched = await add_package(
        manager,
        world.ca.location_id,
        "1A4FF0100000022000000778",
        world.product_id,
        None,
        {zone(ZoneKind.SALES_FLOOR): Decimal(2)},
    )
    outcome = await packages.recall_batch(
        new_uow(),
        manager,
        packages.RecallBatch(world.ca.location_id, world.batch_id, "state recall 24-113"),
    )
    assert sorted(outcome.value.package_ids) == sorted([world.package_id, second])
    assert await balances_of(second) == {
        zone(ZoneKind.QUARANTINE): Decimal(4),
        zone(ZoneKind.VAULT): Decimal(2),
    }
    async with db.connection() as conn:
        statuses = await conn.fetch(
            "SELECT DISTINCT status FROM package WHERE batch = $1", world.batch_id
        )
    assert [r["status"] for r in statuses] == ["recalled"]
    assert await balances_of(untouched) == {zone(ZoneKind.SALES_FLOOR): Decimal(2)}
    assert other_batch != world.batch_id
    await assert_ledger_balances()


async def test_recall_of_another_operators_batch_is_not_found(world):
    co_admin = world.co.users[Role.ADMIN]
    with pytest.raises(errors.NotFound):
        await packages.recall_batch(
            new_uow(), co_admin, packages.RecallBatch(world.co.location_id, world.batch_id, "nope")
        )


async def test_a_failed_lab_package_cannot_be_registered_onto_the_sales_floor(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    _, failed_batch = await add_product(lead, "FAILED-1", lab=LabStatus.FAILED)
    product_of_failed = await _product_of(failed_batch)
    with pytest.raises(errors.PackageNotSellable) as refused:
        await packages.register_package(
            new_uow(),
            lead,
            _register(
                world,
                "1A4FF0100000022000000888",
                product_id=product_of_failed,
                batch_id=failed_batch,
                balances=[packages.OpeningBalance(world.ca.zone(ZoneKind.SALES_FLOOR), Decimal(1))],
            ),
        )
    assert "failed" in refused.value.reason


async def _product_of(batch_id: int) -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT product FROM batch WHERE id = $1", batch_id)
