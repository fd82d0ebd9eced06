"""Catalogue changes are checked against every store holding the product's or batch's stock:
one store's inventory lead cannot pass another store's failed lot or re-price its shelf."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import asyncpg
import pytest

from domain import db, errors
from domain.catalog import services as catalog
from domain.catalog.model import LabStatus
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.conftest import TEST_DATABASE_URL
from tests.support.second_store import open_second_store
from tests.support.units import new_uow
from tests.support.world import add_package, add_product

OAKLAND_TAG = "1A4FF0100000022000000777"


async def _lab_status(batch_id: int) -> str:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT lab_status FROM batch WHERE id = $1", batch_id)


async def _failed_lot_stocked_only_at_the_first_store(world) -> tuple[int, int]:
    product_id, batch_id = await add_product(
        world.as_(Role.ADMIN), "FL-FAILED", lab=LabStatus.FAILED
    )
    await add_package(
        world.as_(Role.ADMIN),
        world.ca.location_id,
        "1A4FF0100000022000000321",
        product_id,
        batch_id,
        {world.ca.zone(ZoneKind.VAULT): Decimal(7)},
    )
    return product_id, batch_id


async def test_another_stores_lead_cannot_pass_a_failed_lot_stocked_elsewhere(world):
    oakland = await open_second_store(world)
    _, batch_id = await _failed_lot_stocked_only_at_the_first_store(world)

    with pytest.raises(errors.PermissionDenied) as refused:
        await catalog.update_batch(
            new_uow(),
            oakland.users[Role.INVENTORY_LEAD],
            catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
        )

    assert "every location" in refused.value.message
    assert await _lab_status(batch_id) == "failed"


async def test_the_lead_of_the_store_holding_the_lot_may_record_its_result(world):
    await open_second_store(world)
    _, batch_id = await _failed_lot_stocked_only_at_the_first_store(world)

    await catalog.update_batch(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
    )

    assert await _lab_status(batch_id) == "passed"


async def test_a_lot_stocked_at_two_stores_needs_the_permission_at_both(world):
    oakland = await open_second_store(world)
    product_id, batch_id = await _failed_lot_stocked_only_at_the_first_store(world)
    await add_package(
        world.as_(Role.ADMIN),
        oakland.location_id,
        OAKLAND_TAG,
        product_id,
        batch_id,
        {oakland.zone(ZoneKind.VAULT): Decimal(2)},
    )

    for single_store_lead in (world.as_(Role.INVENTORY_LEAD), oakland.users[Role.INVENTORY_LEAD]):
        with pytest.raises(errors.PermissionDenied):
            await catalog.update_batch(
                new_uow(),
                single_store_lead,
                catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
            )
    assert await _lab_status(batch_id) == "failed"

    # The operator's admin is an admin at both stores.
    await catalog.update_batch(
        new_uow(),
        world.as_(Role.ADMIN),
        catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
    )
    assert await _lab_status(batch_id) == "passed"


async def test_an_admin_of_one_store_only_cannot_change_another_stores_lot(world):
    oakland = await open_second_store(world)
    _, batch_id = await _failed_lot_stocked_only_at_the_first_store(world)

    with pytest.raises(errors.PermissionDenied):
        await catalog.update_batch(
            new_uow(),
            oakland.users[Role.ADMIN],
            catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
        )
    assert await _lab_status(batch_id) == "failed"


async def test_another_stores_lead_cannot_reprice_a_product_stocked_elsewhere(world):
    oakland = await open_second_store(world)

    with pytest.raises(errors.PermissionDenied):
        await catalog.update_product(
            new_uow(),
            oakland.users[Role.INVENTORY_LEAD],
            catalog.UpdateProduct(world.product_id, {"price": Decimal("0.01")}),
        )

    async with db.connection() as conn:
        price = await conn.fetchval("SELECT price FROM product WHERE id = $1", world.product_id)
    assert price == Decimal("12.00")


async def test_a_product_not_stocked_anywhere_may_be_edited_by_any_stores_lead(world):
    oakland = await open_second_store(world)
    product_id, batch_id = await add_product(world.as_(Role.ADMIN), "FL-NEW")

    await catalog.update_product(
        new_uow(),
        oakland.users[Role.INVENTORY_LEAD],
        catalog.UpdateProduct(product_id, {"price": Decimal("20.00")}),
    )
    await catalog.update_batch(
        new_uow(),
        oakland.users[Role.INVENTORY_LEAD],
        catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.FAILED}),
    )

    assert await _lab_status(batch_id) == "failed"


async def test_a_store_may_add_a_new_lot_of_a_product_another_store_stocks(world):
    oakland = await open_second_store(world)

    created = await catalog.create_batch(
        new_uow(),
        oakland.users[Role.INVENTORY_LEAD],
        catalog.CreateBatch(catalog.BatchFields(world.product_id, "B-OAK-1")),
    )

    assert await _lab_status(created.value.batch_id) == "pending"


async def test_a_budtender_cannot_edit_a_product_not_stocked_anywhere(world):
    oakland = await open_second_store(world)
    product_id, _ = await add_product(world.as_(Role.ADMIN), "FL-NEW")

    with pytest.raises(errors.PermissionDenied):
        await catalog.update_product(
            new_uow(),
            oakland.users[Role.BUDTENDER],
            catalog.UpdateProduct(product_id, {"price": Decimal("20.00")}),
        )


async def test_a_lot_first_stocked_elsewhere_while_its_result_is_being_changed_is_refused(world):
    """The other store registers a package of the lot in an open transaction; the change waits
    for it, then sees the lot is stocked there too."""
    oakland = await open_second_store(world)
    product_id, batch_id = await add_product(world.as_(Role.ADMIN), "FL-RACE", lab=LabStatus.FAILED)
    await add_package(
        world.as_(Role.ADMIN),
        oakland.location_id,
        OAKLAND_TAG,
        product_id,
        batch_id,
        {oakland.zone(ZoneKind.VAULT): Decimal(2)},
    )
    registering = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        transaction = registering.transaction()
        await transaction.start()
        await registering.execute(
            "INSERT INTO package (location, tag, product, batch, unit, status, movement_count,"
            " last_hash, created_at) VALUES ($1, $2, $3, $4, 'grams', 'active', 0, '', now())",
            world.ca.location_id,
            "1A4FF0100000022000000888",
            product_id,
            batch_id,
        )
        change = asyncio.create_task(
            catalog.update_batch(
                new_uow(),
                oakland.users[Role.INVENTORY_LEAD],
                catalog.UpdateBatch(batch_id, {"lab_status": LabStatus.PASSED}),
            )
        )
        await asyncio.sleep(0.2)
        assert not change.done()
        await transaction.commit()
        with pytest.raises(errors.PermissionDenied):
            await change
    finally:
        await registering.close()
    assert await _lab_status(batch_id) == "failed"
