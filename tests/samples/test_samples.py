"""Samples: what a store sets aside moves exactly once through the ledger, is never sold, and
comes out of use on schedule."""

from __future__ import annotations

import asyncio
import contextvars
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain import db, events
from domain.errors import (
    InsufficientStock,
    NotSampleable,
    PackageNotSellable,
    PermissionDenied,
    SampleKindNotAllowed,
    SampleLimitExceeded,
    StepOutOfOrder,
    UnitMismatch,
)
from domain.inventory import packages, stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales
from domain.samples import queries, services
from domain.samples.model import SampleKind
from tests.sales.helpers import floor_package, sale
from tests.samples.helpers import GENEROUS, counts, state_rules, take
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow, publishing
from tests.support.world import add_package, add_product


async def test_a_display_jar_moves_its_weight_to_the_samples_zone_under_a_sample_id(world):
    outcome = await take(world, "1.5", note="OG jar for the counter")

    sample_id = outcome.value.sample_id
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal("8.500"),
        world.ca.zone(ZoneKind.SAMPLES): Decimal("1.500"),
    }
    [row] = await queries.samples(world.ca.location_id, None, None, 10)
    assert (row.id, row.kind, row.status, row.quantity) == (sample_id, "display", "out", 1.5)
    # Logged apart from sales, and due for rotation on the store's default schedule.
    assert row.rotate_by is not None
    assert row.rotate_by >= date.today() + timedelta(days=29)
    async with db.connection() as conn:
        movement = await conn.fetchrow(
            "SELECT kind, reason, source_document FROM movement WHERE id = $1",
            outcome.value.movement_ids[0],
        )
        sales_rows = await conn.fetchval("SELECT count(*) FROM sale")
    assert dict(movement) == {
        "kind": "transfer",
        "reason": "sample",
        "source_document": f"sample:{sample_id}",
    }
    assert sales_rows == 0
    await assert_ledger_balances()


async def test_sample_stock_is_never_sold_nor_put_back_on_the_floor(world):
    tag, package_id = await floor_package(world, "5")
    await take(world, "2", zone=ZoneKind.SALES_FLOOR, tag=tag)
    budtender = world.as_(Role.BUDTENDER)

    # The floor has 3 g left; the 2 g jar in the samples zone is not there to sell.
    with pytest.raises(InsufficientStock):
        await sales.record_sale(new_uow(), budtender, sale(world, (tag, "4")))
    with pytest.raises(PackageNotSellable, match="sample stock is never sold"):
        await stock.transfer_stock(
            new_uow(),
            world.as_(Role.MANAGER),
            stock.TransferStock(
                world.ca.location_id,
                tag,
                world.ca.zone(ZoneKind.SAMPLES),
                world.ca.zone(ZoneKind.SALES_FLOOR),
                Decimal(1),
            ),
        )
    assert await balances_of(package_id) == {
        world.ca.zone(ZoneKind.SALES_FLOOR): Decimal("3.000"),
        world.ca.zone(ZoneKind.SAMPLES): Decimal("2.000"),
    }


async def test_refused_samples_write_nothing(world):
    before = await counts()
    with pytest.raises(InsufficientStock):
        await take(world, "10.5")
    with pytest.raises(UnitMismatch):
        await take(world, "1", unit="each")
    with pytest.raises(PermissionDenied):
        await take(world, "1", role=Role.BUDTENDER)
    with pytest.raises(PermissionDenied):
        await take(world, "1", role=Role.AUDITOR)
    await packages.hold_package(
        new_uow(),
        world.as_(Role.MANAGER),
        packages.ChangeHold(world.ca.location_id, world.tag, "smells of mould"),
    )
    with pytest.raises(NotSampleable, match="on hold"):
        await take(world, "1")
    assert await counts() == before


async def test_no_sample_from_an_expired_batch(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    # two days back: the store's calendar (Los Angeles) runs up to a day behind the UTC date
    # the helper counts from, and a batch is sellable through its expiry date
    product_id, batch_id = await add_product(lead, "OLD-1", expires_in_days=-2)
    tag = "1A4FF0100000022000000777"
    await add_package(
        lead,
        world.ca.location_id,
        tag,
        product_id,
        batch_id,
        {world.ca.zone(ZoneKind.VAULT): Decimal(4)},
    )
    before = await counts()
    with pytest.raises(NotSampleable, match="expired"):
        await take(world, "1", tag=tag)
    assert await counts() == before


async def test_trade_and_employee_samples_need_the_states_confirmation(world):
    with pytest.raises(SampleKindNotAllowed, match="not confirmed"):
        await take(world, "1", kind=SampleKind.TRADE, recipient="C11-0000042-LIC")
    with pytest.raises(SampleKindNotAllowed):
        await take(
            world, "1", kind=SampleKind.EMPLOYEE, employee_id=world.as_(Role.BUDTENDER).user_id
        )
    assert (await counts())[0] == 0


async def test_employee_samples_stop_at_the_states_monthly_limit(world):
    budtender = world.as_(Role.BUDTENDER).user_id
    with state_rules("CA", GENEROUS):
        await take(world, "2", kind=SampleKind.EMPLOYEE, employee_id=budtender)
        with pytest.raises(SampleLimitExceeded) as refused:
            await take(world, "1.5", kind=SampleKind.EMPLOYEE, employee_id=budtender)
    assert (refused.value.limit, refused.value.already) == (Decimal(3), Decimal(2))
    assert (await counts())[0] == 1


async def test_a_handed_out_trade_sample_leaves_the_books_as_a_sample_write_off(world):
    with state_rules("CA", GENEROUS):
        taken = await take(world, "1", kind=SampleKind.TRADE, recipient="C11-0000042-LIC")
        sample_id = taken.value.sample_id
        await services.hand_out_sample(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            services.CloseSample(world.ca.location_id, sample_id),
        )
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(9)}
    async with db.connection() as conn:
        [report] = await conn.fetch("SELECT kind, payload FROM state_report")
    assert report["kind"] == "adjust"
    assert report["payload"]["reason"] == "sample"
    assert report["payload"]["quantity"] == "-1.000"
    assert report["payload"]["sample_kind"] == "trade"
    [row] = await queries.samples(world.ca.location_id, None, None, 10)
    assert row.status == "handed_out"


async def test_an_overdue_jar_raises_one_sample_due_alert_and_rotates_into_waste(world):
    taken = await take(world, "1")
    sample_id = taken.value.sample_id
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE sample SET taken_at = taken_at - interval '40 days', rotate_by = rotate_by - 40"
        )
    [due] = await queries.samples_due(world.ca.location_id, 0)
    assert due.id == sample_id
    assert due.overdue

    seen: list[events.Event] = []

    async def capture(batch):
        seen.extend(batch)

    with publishing(capture):
        assert await services.raise_due_alerts(new_uow()) == 1
        assert await services.raise_due_alerts(new_uow()) == 0  # a second sweep is silent
    [alert] = [e for e in seen if isinstance(e, events.ComplianceAlertRaised)]
    assert alert.kind == events.AlertKind.SAMPLE_DUE
    assert str(sample_id) in alert.message

    rotate = services.CloseSample(world.ca.location_id, sample_id, note="stale")
    await services.rotate_sample(new_uow(), world.as_(Role.INVENTORY_LEAD), rotate)
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal(9),
        world.ca.zone(ZoneKind.WASTE): Decimal(1),
    }
    assert await queries.samples_due(world.ca.location_id, 365) == []
    with pytest.raises(StepOutOfOrder):
        await services.rotate_sample(new_uow(), world.as_(Role.INVENTORY_LEAD), rotate)
    await assert_ledger_balances()


async def test_a_new_rotation_schedule_reschedules_the_jars_out_now(world):
    await take(world, "1")
    outcome = await services.set_sample_rotation(
        new_uow(), world.as_(Role.MANAGER), services.SetSampleRotation(world.ca.location_id, 7)
    )
    assert outcome.value.rescheduled == 1
    [row] = await queries.samples_due(world.ca.location_id, 7)
    assert row.rotate_by is not None
    assert row.rotate_by <= date.today() + timedelta(days=8)


async def test_taking_a_sample_twice_with_one_key_takes_it_once(world):
    first = await take(world, "1", idempotency_key="jar-1")
    again = await take(world, "1", idempotency_key="jar-1")
    assert again.replayed
    assert again.value == first.value
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal(9),
        world.ca.zone(ZoneKind.SAMPLES): Decimal(1),
    }


async def test_an_employee_sample_waits_for_one_in_flight_and_then_counts_it(world):
    budtender = world.as_(Role.BUDTENDER).user_id
    lead = world.as_(Role.INVENTORY_LEAD)
    second = "1A4FF0100000022000000778"
    await add_package(
        lead,
        world.ca.location_id,
        second,
        world.product_id,
        world.batch_id,
        {world.ca.zone(ZoneKind.VAULT): Decimal(10)},
    )
    with state_rules("CA", GENEROUS):  # 3 g a month
        first = new_uow()
        async with first:  # the first sample's transaction stays open...
            await services.take_sample(
                first,
                lead,
                services.TakeSample(
                    world.ca.location_id,
                    world.tag,
                    world.ca.zone(ZoneKind.VAULT),
                    Decimal(2),
                    kind=SampleKind.EMPLOYEE,
                    employee_id=budtender,
                ),
            )
            # ...while a second, from another package, is asked for: it must wait for it.
            # (its own context: a task inherits the open unit of work, and would join it)
            racing = asyncio.create_task(
                take(world, "2", kind=SampleKind.EMPLOYEE, employee_id=budtender, tag=second),
                context=contextvars.Context(),
            )
            await asyncio.sleep(0.5)
            assert not racing.done()
        with pytest.raises(SampleLimitExceeded):
            await racing
    assert (await counts())[0] == 1
