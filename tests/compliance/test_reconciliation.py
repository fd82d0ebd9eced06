"""Our books against METRC's: every seeded difference is found with its kind and cause, none is
invented, and each stays on record until it clears or someone resolves it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db, errors
from domain.compliance import reconcile, services, sync
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import add_package

MATCH = "1A4FF0100000022000000201"
STATE_ONLY = "1A4FF0100000022000000202"
OURS_ONLY = "1A4FF0100000022000000203"
DIFFERS = "1A4FF0100000022000000204"
PENDING = "1A4FF0100000022000000205"
HELD_AT_STATE = "1A4FF0100000022000000206"


async def _seed(world, metrc) -> None:
    lead = world.as_(Role.INVENTORY_LEAD)
    vault = world.ca.zone(ZoneKind.VAULT)
    ours = {MATCH: 5, OURS_ONLY: 3, DIFFERS: 7, PENDING: 5, HELD_AT_STATE: 2}
    for tag, grams in ours.items():
        await add_package(
            lead,
            world.ca.location_id,
            tag,
            world.product_id,
            world.batch_id,
            {vault: Decimal(grams)},
        )
    state = {MATCH: 5, STATE_ONLY: 9, DIFFERS: 6, PENDING: 5}
    for tag, grams in state.items():
        metrc.state.add_package(tag, "OG Kush", Decimal(grams), "Grams")
    metrc.state.add_package(HELD_AT_STATE, "OG Kush", Decimal(2), "Grams", status="onhold")
    # A write-off here the state has not heard of yet (its report is still queued).
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.MANAGER),
        stock.AdjustStock(
            world.ca.location_id,
            PENDING,
            vault,
            Decimal(-1),
            AdjustmentReason.DAMAGE,
            note="dropped on the floor",
        ),
    )


async def _open(world) -> dict[tuple[str, str], dict]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, tag, kind, our_quantity, state_quantity, suspected_cause, first_seen_run"
            " FROM discrepancy WHERE location = $1 AND status = 'open'",
            world.ca.location_id,
        )
    return {(r["tag"], r["kind"]): dict(r) for r in rows}


async def test_every_seeded_difference_is_found_with_its_kind_and_cause(world, metrc):
    await _seed(world, metrc)
    summary = await reconcile.reconcile(new_uow(), world.ca.location_id)

    found = await _open(world)
    assert set(found) == {
        (STATE_ONLY, "missing_here"),
        (OURS_ONLY, "missing_at_state"),
        (DIFFERS, "quantity_differs"),
        (PENDING, "quantity_differs"),
        (HELD_AT_STATE, "status_differs"),
    }
    assert summary.status == "finished"
    assert summary.discrepancies_found == 5
    assert "not yet at the state" in found[(PENDING, "quantity_differs")]["suspected_cause"]
    assert "no unsent report" in found[(DIFFERS, "quantity_differs")]["suspected_cause"]
    assert found[(DIFFERS, "quantity_differs")]["our_quantity"] == Decimal(7)
    assert found[(DIFFERS, "quantity_differs")]["state_quantity"] == Decimal(6)
    metrc.log.assert_no_violations()


async def test_a_difference_clears_once_the_queued_report_arrives(world, metrc):
    await _seed(world, metrc)
    await reconcile.reconcile(new_uow(), world.ca.location_id)
    first = await _open(world)

    await sync.drain(new_uow(), world.ca.location_id, owner="test")
    await reconcile.reconcile(new_uow(), world.ca.location_id)

    after = await _open(world)
    assert (PENDING, "quantity_differs") not in after
    # The others are the same lasting records, not new ones.
    assert after[(DIFFERS, "quantity_differs")]["id"] == first[(DIFFERS, "quantity_differs")]["id"]
    async with db.connection() as conn:
        cleared = await conn.fetchval("SELECT resolution FROM discrepancy WHERE tag = $1", PENDING)
    assert cleared == "cleared"


async def test_adjusting_to_the_state_needs_a_second_person_and_is_not_reported(world, metrc):
    await _seed(world, metrc)
    await reconcile.reconcile(new_uow(), world.ca.location_id)
    target = (await _open(world))[(DIFFERS, "quantity_differs")]
    compliance, manager = world.as_(Role.COMPLIANCE), world.as_(Role.MANAGER)
    command = services.ResolveDiscrepancy(
        target["id"], "adjust", "recount on camera: 6 g", zone_id=world.ca.zone(ZoneKind.VAULT)
    )
    with pytest.raises(errors.ValidationError) as refused:
        await services.resolve_discrepancy(new_uow(), compliance, command)
    assert refused.value.field == "witnessId"

    async with db.connection() as conn:
        reports_before = await conn.fetchval("SELECT count(*) FROM state_report")
    await services.resolve_discrepancy(
        new_uow(),
        compliance,
        services.ResolveDiscrepancy(
            target["id"],
            "adjust",
            "recount on camera: 6 g",
            zone_id=world.ca.zone(ZoneKind.VAULT),
            witness_id=manager.user_id,
        ),
    )
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM state_report") == reports_before
    await reconcile.reconcile(new_uow(), world.ca.location_id)
    assert (DIFFERS, "quantity_differs") not in await _open(world)


async def test_a_state_that_cannot_be_reached_fails_the_run_and_invents_nothing(world, metrc):
    await _seed(world, metrc)
    metrc.faults.down()
    summary = await reconcile.reconcile(new_uow(), world.ca.location_id)
    metrc.faults.up()
    assert summary.status == "failed"
    assert await _open(world) == {}


NO_LABEL_ID = 987654


def _odd_records(answer) -> None:
    """What the description allows METRC to send: a Quantity of -1.797e308 (a valid double), an
    unreadable LastModified, a unit it does not list, a package without a label."""
    records = answer.get("Data") if isinstance(answer, dict) else None
    for row in records or []:
        if row["Label"] == DIFFERS:
            row["Quantity"] = -1.797e308
        elif row["Label"] == STATE_ONLY:
            row["LastModified"] = "last Tuesday"
        elif row["Label"] == MATCH:
            row["UnitOfMeasureName"] = "Bushels"
    if records and records[0]["Label"] == HELD_AT_STATE:
        records.append({**records[0], "Id": NO_LABEL_ID, "Label": None})


async def test_an_unreadable_state_record_is_a_discrepancy_of_its_own_and_the_run_goes_on(
    world, metrc
):
    await _seed(world, metrc)
    metrc.faults.rewrite(_odd_records, count=1000, method="GET", path="/packages/v2/")

    summary = await reconcile.reconcile(new_uow(), world.ca.location_id)
    metrc.faults.clear()

    assert (summary.status, summary.error) == ("finished", None)
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT tag, kind, state_quantity, state_raw, suspected_cause FROM discrepancy"
            " WHERE location = $1 AND status = 'open'",
            world.ca.location_id,
        )
    found = {(r["tag"], r["kind"]): dict(r) for r in rows}
    malformed = "malformed_state_record"
    no_label = f"(no label) METRC Id {NO_LABEL_ID}"
    assert set(found) == {
        (DIFFERS, malformed),
        (STATE_ONLY, malformed),
        (MATCH, malformed),
        (no_label, malformed),
        (OURS_ONLY, "missing_at_state"),
        (PENDING, "quantity_differs"),
        (HELD_AT_STATE, "status_differs"),
    }
    assert "-1.797e+308" in found[(DIFFERS, malformed)]["state_raw"].lower()
    assert found[(DIFFERS, malformed)]["state_quantity"] is None
    assert "last Tuesday" in found[(STATE_ONLY, malformed)]["state_raw"]
    assert "Bushels" in found[(MATCH, malformed)]["suspected_cause"]

    # Once METRC sends the record readably again, the malformed one clears by itself.
    metrc.state.set_quantity(DIFFERS, 7)
    await reconcile.reconcile(new_uow(), world.ca.location_id)
    async with db.connection() as conn:
        cleared = await conn.fetchval(
            "SELECT resolution_note FROM discrepancy WHERE tag = $1 AND kind = $2",
            DIFFERS,
            malformed,
        )
    assert cleared.startswith("the state's record reads correctly again")


async def test_a_refused_pull_is_not_called_unreachable(world, metrc):
    await _seed(world, metrc)
    metrc.faults.status(422, {"Message": "invalid"}, method="GET", path="/packages/v2/active")
    summary = await reconcile.reconcile(new_uow(), world.ca.location_id)
    assert summary.status == "failed"
    assert summary.error.startswith("the state refused the pull"), summary.error

    metrc.faults.down()
    summary = await reconcile.reconcile(new_uow(), world.ca.location_id)
    metrc.faults.up()
    assert summary.error.startswith("state unreachable"), summary.error
