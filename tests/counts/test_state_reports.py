"""An approved count reaches the state as an adjustment of exactly the variance, under the state's
reason for a count correction and with a note within its limit: METRC, BioTrack and CCRS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from domain.compliance import ccrs_export, sync
from domain.counts import approval, sessions, submission
from domain.organisation.model import ZoneKind
from domain.roles import Role
from plugins.builtin import ccrs_files as ccrs
from tests.compliance.biotrack_fixtures import TAG as BT_TAG
from tests.compliance.biotrack_fixtures import assert_clean, build_nm_store, drain
from tests.doubles.biotrack import BioTrackDouble, run_biotrack_double
from tests.support.units import new_uow
from tests.support.world import PASSWORD, Store, add_package, add_product, build_store


async def _count_vault(store: Store, tag: str, counted: str) -> list[int]:
    """An inventory lead counts the vault with the auditor as witness; a manager approves."""
    lead = store.users[Role.INVENTORY_LEAD]
    started = await sessions.start_count(
        new_uow(),
        lead,
        sessions.StartCount(store.location_id, zone_ids=[store.zone(ZoneKind.VAULT)]),
    )
    session_id = started.value.session_id
    await sessions.join_count_as_witness(
        new_uow(),
        lead,
        sessions.JoinCountAsWitness(session_id, store.users[Role.AUDITOR].email, PASSWORD),
    )
    await sessions.record_count_lines(
        new_uow(),
        lead,
        sessions.RecordCountLines(session_id, [sessions.LineInput("1", tag, Decimal(counted))]),
    )
    submitted = await submission.submit_count(new_uow(), lead, submission.SubmitCount(session_id))
    assert submitted.value.status == "submitted"
    decided = await approval.approve_count(
        new_uow(), store.users[Role.MANAGER], approval.DecideCount(session_id)
    )
    return decided.value.movement_ids


async def test_metrc_receives_the_variance_as_a_scale_variance_with_a_short_note(world, metrc):
    movements = await _count_vault(world.ca, world.tag, "9.25")
    assert len(movements) == 1
    await sync.drain(new_uow(), world.ca.location_id, owner="test")
    [adjustment] = metrc.state.adjustments()
    assert adjustment.reason == "Scale Variance"
    [posted] = [
        e for e in metrc.log if e.method == "POST" and e.path.endswith("/packages/v2/adjust")
    ]
    body = posted.body[0]
    assert (body["Label"], Decimal(str(body["Quantity"]))) == (world.tag, Decimal("-0.75"))
    assert body["AdjustmentReason"] == "Scale Variance"
    assert "Cycle count" in body["ReasonNote"]
    assert len(body["ReasonNote"]) <= 200
    metrc.log.assert_no_violations()


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as double:
        yield double


async def test_biotrack_receives_the_counted_quantity_as_its_new_on_hand(clean_db, bt):
    nm = await build_nm_store(bt)
    await _count_vault(nm.store, BT_TAG, "11")
    assert (await drain(nm)).sent == 1
    assert bt.state.quantity(BT_TAG) == Decimal(11)
    [adjustment] = bt.state.list_adjustments()
    assert (adjustment.before, adjustment.after) == (10, 11)
    assert_clean(bt)


async def test_ccrs_files_the_variance_as_an_inventory_adjustment(clean_db):
    store = await build_store(
        "Cascade", "412345", "WA", "America/Los_Angeles", "ccrs", "cascade.test"
    )
    lead = store.users[Role.INVENTORY_LEAD]
    product, batch = await add_product(lead, "WA-OG")
    tag = "WA-FLOWER-0001"
    await add_package(
        lead, store.location_id, tag, product, batch, {store.zone(ZoneKind.VAULT): Decimal(28)}
    )
    await _count_vault(store, tag, "27.5")
    export = await ccrs_export.export_week(
        new_uow(), store.location_id, date.today(), "Dana Compliance"
    )
    files = {f.kind: ccrs.parse(f.content) for f in export.files}
    [adjustment] = files[ccrs.FileKind.INVENTORY_ADJUSTMENT].rows
    assert (adjustment.inventory_external_identifier, adjustment.quantity) == (
        tag,
        Decimal("0.5"),
    )
    on_hand = {
        i.external_identifier: i.quantity_on_hand for i in files[ccrs.FileKind.INVENTORY].rows
    }
    assert on_hand == {tag: Decimal("27.5")}
