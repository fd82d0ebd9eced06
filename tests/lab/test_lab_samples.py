"""Lab samples: weighed into QA, sent out with the lab as destination, back or written off;
each step moves exactly what it says and METRC hears of what left the store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db
from domain.compliance import adjustment_reasons, sync
from domain.errors import (
    InsufficientStock,
    PermissionDenied,
    StepOutOfOrder,
    UnitMismatch,
    ValidationError,
)
from domain.inventory.model import AdjustmentReason
from domain.lab import queries, samples
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.lab.helpers import LAB, create, step, written
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow


async def test_a_lab_sample_goes_to_qa_then_to_the_lab_and_part_comes_back(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    created = await create(world, "2")
    lab_sample_id = created.value.lab_sample_id
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal(8),
        world.ca.zone(ZoneKind.QA_TESTING): Decimal(2),
    }

    await samples.send_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(8)}
    async with db.connection() as conn:
        [sent] = await conn.fetch("SELECT kind, payload FROM state_report")
    assert sent["kind"] == "adjust"
    assert sent["payload"]["destination_license"] == LAB
    assert sent["payload"]["quantity"] == "-2.000"

    await samples.receive_lab_sample(
        new_uow(), lead, step(world, lab_sample_id, quantity=Decimal("0.5"))
    )
    assert await balances_of(world.package_id) == {
        world.ca.zone(ZoneKind.VAULT): Decimal(8),
        world.ca.zone(ZoneKind.QA_TESTING): Decimal("0.5"),
    }
    [row] = await queries.lab_samples(world.ca.location_id, None, 10)
    assert (row.status, row.returned_quantity, row.sample_code) == ("received", 0.5, "LS-1")
    await assert_ledger_balances()


async def test_what_the_lab_used_up_is_written_off_without_a_second_movement(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    lab_sample_id = (await create(world, "1")).value.lab_sample_id
    await samples.send_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    before = await written()

    outcome = await samples.write_off_lab_sample(new_uow(), lead, step(world, lab_sample_id))

    assert outcome.value.movement_ids == []
    assert await written() == before
    with pytest.raises(StepOutOfOrder):
        await samples.write_off_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    with pytest.raises(StepOutOfOrder):
        await samples.send_lab_sample(new_uow(), lead, step(world, lab_sample_id))


async def test_an_unsent_lab_sample_written_off_leaves_the_qa_zone(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    lab_sample_id = (await create(world, "1")).value.lab_sample_id
    await samples.write_off_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    assert await balances_of(world.package_id) == {world.ca.zone(ZoneKind.VAULT): Decimal(9)}


async def test_refused_lab_samples_write_nothing(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    await create(world, "1", code="LS-9")
    before = await written()
    with pytest.raises(InsufficientStock):
        await create(world, "9.5", code="LS-10")
    with pytest.raises(UnitMismatch):
        await create(world, "1", code="LS-11", unit="each")
    with pytest.raises(ValidationError, match="already has a sample"):
        await create(world, "1", code="LS-9")
    with pytest.raises(PermissionDenied):
        await create(world, "1", code="LS-12", role=Role.BUDTENDER)
    with pytest.raises(StepOutOfOrder, match="created: cannot receive it back"):
        await samples.receive_lab_sample(new_uow(), lead, step(world, 1, quantity=Decimal(1)))
    assert await written() == before


async def test_more_than_was_sent_cannot_come_back(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    lab_sample_id = (await create(world, "1")).value.lab_sample_id
    await samples.send_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    before = await written()
    with pytest.raises(ValidationError, match=r"only 1\.000 was sent"):
        await samples.receive_lab_sample(
            new_uow(), lead, step(world, lab_sample_id, quantity=Decimal(2))
        )
    assert await written() == before


async def test_metrc_hears_of_the_sample_leaving_and_of_what_came_back(world, metrc):
    compliance = world.as_(Role.COMPLIANCE)
    await adjustment_reasons.set_mapping(
        new_uow(),
        compliance,
        adjustment_reasons.SetReasonMapping(
            world.ca.location_id, AdjustmentReason.QA_TESTING, "Inventory Audit"
        ),
    )
    lead = world.as_(Role.INVENTORY_LEAD)
    lab_sample_id = (await create(world, "2")).value.lab_sample_id
    await samples.send_lab_sample(new_uow(), lead, step(world, lab_sample_id))
    await samples.receive_lab_sample(
        new_uow(), lead, step(world, lab_sample_id, quantity=Decimal("0.5"))
    )

    result = await sync.drain(new_uow(), world.ca.location_id, owner="test")

    assert result.sent == 2
    assert metrc.state.package(world.tag).quantity == Decimal("8.5")
    metrc.log.assert_no_violations()
