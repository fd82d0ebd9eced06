"""Selling at the register: only what is on the floor, only what the law allows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.inventory import packages
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from tests.sales.helpers import age_sales, floor_package, floor_quantity, sale
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import add_product


async def test_a_sale_takes_stock_off_the_floor_and_queues_the_state_receipt(world):
    tag, package_id = await floor_package(world, "10")
    outcome = await sales.record_sale(
        new_uow(), world.as_(Role.BUDTENDER), sale(world, (tag, "3.5"))
    )
    assert await floor_quantity(world, package_id) == Decimal("6.5")
    async with db.connection() as conn:
        report = await conn.fetchrow(
            "SELECT kind, external_id, payload FROM state_report WHERE kind = 'sale'"
        )
    assert report["external_id"] == f"LL{world.ca.location_id}-S{outcome.value.sale_id}"
    assert [line["total_amount"] for line in report["payload"]["lines"]] == ["35.00"]
    await assert_ledger_balances()


async def test_a_retried_receipt_is_recorded_once(world):
    tag, package_id = await floor_package(world, "10")
    budtender = world.as_(Role.BUDTENDER)
    first = await sales.record_sale(new_uow(), budtender, sale(world, (tag, "1"), receipt="R1-77"))
    again = await sales.record_sale(new_uow(), budtender, sale(world, (tag, "1"), receipt="R1-77"))
    assert again.replayed
    assert again.value.sale_id == first.value.sale_id
    assert await floor_quantity(world, package_id) == Decimal(9)


async def test_stock_in_the_vault_cannot_be_sold(world):
    with pytest.raises(errors.InsufficientStock) as refused:
        await sales.record_sale(new_uow(), world.as_(Role.BUDTENDER), sale(world, (world.tag, "1")))
    assert refused.value.available == 0


async def test_held_failed_and_expired_stock_is_refused_at_the_register(world):
    budtender, manager = world.as_(Role.BUDTENDER), world.as_(Role.MANAGER)
    held, _ = await floor_package(world, "5")
    await packages.hold_package(
        new_uow(), manager, packages.ChangeHold(world.ca.location_id, held, "customer complaint")
    )
    with pytest.raises(errors.PackageNotSellable, match="on hold"):
        await sales.record_sale(new_uow(), budtender, sale(world, (held, "1")))

    expired, package_id = await floor_package(world, "5")
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE batch SET expires_on = current_date - 2 WHERE id ="
            " (SELECT batch FROM package WHERE id = $1)",
            package_id,
        )
    with pytest.raises(errors.PackageNotSellable, match="expired"):
        await sales.record_sale(new_uow(), budtender, sale(world, (expired, "1")))

    failed, package_id = await floor_package(world, "5")
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE batch SET lab_status = 'failed' WHERE id ="
            " (SELECT batch FROM package WHERE id = $1)",
            package_id,
        )
    with pytest.raises(errors.PackageNotSellable, match="lab"):
        await sales.record_sale(new_uow(), budtender, sale(world, (failed, "1")))


async def test_california_flower_limit_is_per_customer_per_day(world):
    tag, _ = await floor_package(world, "60")
    budtender = world.as_(Role.BUDTENDER)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "28")))
    with pytest.raises(errors.PurchaseLimitExceeded) as refused:
        await sales.record_sale(new_uow(), budtender, sale(world, (tag, "1")))
    [bucket] = refused.value.buckets
    assert (bucket.bucket, bucket.limit, bucket.over_by) == (
        "flower_g",
        Decimal("28.5"),
        Decimal("0.5"),
    )
    assert (str(bucket.limit), str(bucket.over_by)) == ("28.500", "0.500")
    # Another customer, or the same one tomorrow, may buy.
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "1"), customer="cust-2"))
    await age_sales(1)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "1")))


async def test_a_voided_sale_frees_the_customers_limit(world):
    tag, _ = await floor_package(world, "60")
    budtender = world.as_(Role.BUDTENDER)
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "28"), receipt="V-1"))
    await voids.void_sale(
        new_uow(), budtender, voids.VoidSale(world.ca.location_id, "R1", "V-1", "wrong")
    )
    await sales.record_sale(new_uow(), budtender, sale(world, (tag, "28")))


async def test_daily_limits_need_the_customers_key(world):
    tag, _ = await floor_package(world, "5")
    with pytest.raises(errors.ValidationError) as refused:
        await sales.record_sale(
            new_uow(), world.as_(Role.BUDTENDER), sale(world, (tag, "1"), customer=None)
        )
    assert refused.value.field == "customerKey"


async def test_a_medical_sale_needs_the_patients_licence(world):
    tag, _ = await floor_package(world, "5")
    with pytest.raises(errors.ValidationError) as refused:
        await sales.record_sale(
            new_uow(), world.as_(Role.BUDTENDER), sale(world, (tag, "1"), kind=CustomerType.MEDICAL)
        )
    assert refused.value.field == "patientLicense"


async def test_selling_a_later_lot_first_warns_or_refuses_by_policy(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    product, soon = await add_product(lead, "FEFO-1", expires_in_days=5)
    early, _ = await floor_package(world, "5", product=(product, soon))
    async with db.connection() as conn:
        late_batch = await conn.fetchval(
            "INSERT INTO batch (product, producer_batch_number, lab_status, expires_on,"
            " created_at) VALUES ($1, 'LATE', 'passed', current_date + 200, now()) RETURNING id",
            product,
        )
    late, _ = await floor_package(world, "5", product=(product, late_batch))
    budtender = world.as_(Role.BUDTENDER)
    outcome = await sales.record_sale(new_uow(), budtender, sale(world, (late, "1")))
    assert outcome.value.warnings
    assert early in outcome.value.warnings[0]
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE location SET fefo_policy = 'refuse' WHERE id = $1", world.ca.location_id
        )
    with pytest.raises(errors.PackageNotSellable, match="first-expiring"):
        await sales.record_sale(new_uow(), budtender, sale(world, (late, "1")))
