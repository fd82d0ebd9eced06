"""Waste and destruction at a METRC store (CA, CO): the waste is held, then destroyed with its
witnesses and method by one DESTROY movement, and METRC hears of it as a waste adjustment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.compliance import sync
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.destruction.helpers import (
    CA,
    CO,
    carry_out,
    movement_count,
    record,
    schedule,
    set_policy,
    signoff,
)
from tests.support.ledger_checks import assert_ledger_balances, balances_of
from tests.support.units import new_uow
from tests.support.world import OTHER_TAG


async def test_scheduled_waste_waits_in_the_waste_zone_then_leaves_by_one_destroy(world):
    ca = world.ca
    destruction_id = await schedule(ca, world.tag, "3", reason=AdjustmentReason.EXPIRED)
    assert await balances_of(world.package_id) == {
        ca.zone(ZoneKind.VAULT): Decimal(7),
        ca.zone(ZoneKind.WASTE): Decimal(3),
    }

    done = await carry_out(ca, destruction_id, [signoff(CA, Role.MANAGER)])

    # Nothing is left in the waste zone.
    assert await balances_of(world.package_id) == {ca.zone(ZoneKind.VAULT): Decimal(7)}
    async with db.connection() as conn:
        destroy = await conn.fetchrow(
            "SELECT kind, reason, quantity, from_zone, to_zone, witness, source_document"
            " FROM movement WHERE id = $1",
            done.movement_ids[0],
        )
    assert dict(destroy) == {
        "kind": "destroy",
        "reason": "expired",
        "quantity": Decimal("3.000"),
        "from_zone": ca.zone(ZoneKind.WASTE),
        "to_zone": None,
        "witness": ca.users[Role.MANAGER].user_id,
        "source_document": f"destruction:{destruction_id}",
    }
    kept = await record(destruction_id)
    assert kept["status"] == "destroyed"
    assert kept["method"] == "Grinder"
    assert kept["waste_weight"] == Decimal(3)  # a gram package weighs what it holds
    assert kept["witnesses"] == [ca.users[Role.MANAGER].user_id]
    assert kept["state_finish_at"] is None  # METRC has no second step
    await assert_ledger_balances()


async def test_destroying_before_the_hold_ends_is_refused_and_writes_nothing(world):
    await set_policy(world.ca, hold_minutes=72 * 60)
    destruction_id = await schedule(world.ca, world.tag, "2")
    before = await movement_count(world.ca.location_id)

    with pytest.raises(errors.DestructionHoldNotOver):
        await carry_out(world.ca, destruction_id, [signoff(CA, Role.MANAGER)])

    assert await movement_count(world.ca.location_id) == before
    assert (await record(destruction_id))["status"] == "scheduled"


async def test_destroying_without_the_required_witness_is_refused(world):
    destruction_id = await schedule(world.ca, world.tag, "2")
    before = await movement_count(world.ca.location_id)

    with pytest.raises(errors.WitnessRequired) as refused:
        await carry_out(world.ca, destruction_id, [])

    assert (refused.value.required, refused.value.given) == (1, 0)
    assert await movement_count(world.ca.location_id) == before


async def test_two_witnesses_when_the_location_requires_two(world):
    await set_policy(world.ca, witnesses=2)
    destruction_id = await schedule(world.ca, world.tag, "2")
    with pytest.raises(errors.WitnessRequired):
        # The same person twice is one witness.
        await carry_out(
            world.ca, destruction_id, [signoff(CA, Role.MANAGER), signoff(CA, Role.MANAGER)]
        )
    await carry_out(
        world.ca, destruction_id, [signoff(CA, Role.MANAGER), signoff(CA, Role.COMPLIANCE)]
    )
    assert len((await record(destruction_id))["witnesses"]) == 2


async def test_a_witness_signs_with_their_own_password(world):
    destruction_id = await schedule(world.ca, world.tag, "2")
    with pytest.raises(errors.WitnessNotAccepted):
        await carry_out(world.ca, destruction_id, [signoff(CA, Role.MANAGER, "not-theirs")])
    with pytest.raises(errors.WitnessIsActor):  # nobody witnesses their own destruction
        await carry_out(world.ca, destruction_id, [signoff(CA, Role.INVENTORY_LEAD)])
    assert (await record(destruction_id))["status"] == "scheduled"


async def test_a_destruction_happens_once(world):
    destruction_id = await schedule(world.ca, world.tag, "2")
    await carry_out(world.ca, destruction_id, [signoff(CA, Role.MANAGER)])
    before = await movement_count(world.ca.location_id)

    with pytest.raises(errors.AlreadyDestroyed):
        await carry_out(world.ca, destruction_id, [signoff(CA, Role.MANAGER)])

    assert await movement_count(world.ca.location_id) == before


async def test_a_retried_request_replays_instead_of_destroying_again(world):
    destruction_id = await schedule(world.ca, world.tag, "2")
    first = await carry_out(
        world.ca, destruction_id, [signoff(CA, Role.MANAGER)], idempotency_key="d-1"
    )
    again = await carry_out(
        world.ca, destruction_id, [signoff(CA, Role.MANAGER)], idempotency_key="d-1"
    )
    assert again == first


async def test_colorado_waste_is_mixed_half_and_half_with_non_cannabis_material(world):
    co = world.co
    destruction_id = await schedule(co, OTHER_TAG, "4", zone=ZoneKind.SALES_FLOOR)
    with pytest.raises(errors.MixTooLean):
        await carry_out(
            co,
            destruction_id,
            [signoff(CO, Role.MANAGER)],
            mixing_material="cat litter",
            mixing_weight=Decimal(3),
        )
    await carry_out(
        co,
        destruction_id,
        [signoff(CO, Role.MANAGER)],
        mixing_material="cat litter",
        mixing_weight=Decimal(4),
    )
    kept = await record(destruction_id)
    assert (kept["mixing_material"], kept["mixing_weight"]) == ("cat litter", Decimal(4))


async def test_a_sale_correction_is_not_a_reason_to_destroy(world):
    with pytest.raises(errors.ValidationError):
        await schedule(world.ca, world.tag, "1", reason=AdjustmentReason.COUNT_CORRECTION)


async def test_metrc_hears_of_the_destruction_as_a_waste_adjustment_with_its_weight(world, metrc):
    destruction_id = await schedule(world.ca, world.tag, "3")
    await carry_out(world.ca, destruction_id, [signoff(CA, Role.MANAGER)])

    result = await sync.drain(new_uow(), world.ca.location_id, owner="test")

    assert result.sent == 1  # the move to the waste zone is internal; the destroy is reported
    assert metrc.state.package(world.tag).quantity == Decimal(7)
    [adjust] = metrc.log.find("POST", "/packages/v2/adjust")
    [body] = adjust.body
    assert body["AdjustmentReason"] == "Waste"
    assert body["Quantity"] == -3
    assert "Waste weight: 3 Grams." in body["ReasonNote"]
    metrc.log.assert_no_violations()
