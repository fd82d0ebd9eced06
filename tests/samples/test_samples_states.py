"""Samples and lab samples reported to the BioTrack double and in the CCRS week files: a jar
set aside stays on hand (a move between rooms at most); what leaves for the lab or as a trade
sample is an adjustment with the state's own reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from domain.compliance import adjustment_reasons, ccrs_export, sync
from domain.inventory.model import AdjustmentReason
from domain.lab import samples as lab
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.samples import services
from plugins.builtin import ccrs_files as ccrs
from tests.compliance.biotrack_fixtures import (
    ROOMS,
    TAG,
    VAULT_ROOM,
    assert_clean,
    build_nm_store,
    drain,
    reports,
)
from tests.doubles.biotrack import BioTrackDouble, run_biotrack_double
from tests.samples.helpers import GENEROUS, state_rules, take
from tests.support.units import new_uow
from tests.support.world import add_package, add_product, build_store


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as double:
        yield double


async def _sample(store_or_nm, tag: str, grams: str) -> int:
    outcome = await services.take_sample(
        new_uow(),
        store_or_nm.as_(Role.INVENTORY_LEAD),
        services.TakeSample(
            store_or_nm.location_id, tag, store_or_nm.zone(ZoneKind.VAULT), Decimal(grams)
        ),
    )
    return outcome.value.sample_id


async def _to_lab(store_or_nm, tag: str, grams: str) -> int:
    lead = store_or_nm.as_(Role.INVENTORY_LEAD)
    created = await lab.create_lab_sample(
        new_uow(),
        lead,
        lab.CreateLabSample(
            store_or_nm.location_id,
            tag,
            store_or_nm.zone(ZoneKind.VAULT),
            Decimal(grams),
            "LAB-0001",
            "S-77",
        ),
    )
    lab_sample_id = created.value.lab_sample_id
    await lab.send_lab_sample(
        new_uow(), lead, lab.LabSampleStep(store_or_nm.location_id, lab_sample_id)
    )
    return lab_sample_id


async def test_biotrack_keeps_the_jar_on_hand_and_hears_the_lab_sample_leave(clean_db, bt):
    # The samples and QA zones are shelves in the vault room at this store.
    rooms = {**ROOMS, "Samples": VAULT_ROOM, "QA / Testing": VAULT_ROOM}
    nm = await build_nm_store(bt, rooms=rooms)
    await _sample(nm, TAG, "1")
    await _to_lab(nm, TAG, "2")

    result = await drain(nm)

    assert result.failed == 0
    assert bt.state.quantity(TAG) == Decimal(8)  # the jar is still on hand; the lab's 2 g left
    [adjustment] = bt.state.list_adjustments()
    assert (adjustment.before, adjustment.after) == (10, 8)
    assert "qa_testing" in adjustment.reason
    assert bt.log.entries("inventory_move") == []  # same room: nothing to move
    assert all(r["status"] == "sent" for r in await reports(nm))
    assert_clean(bt)


async def test_the_ccrs_week_files_the_lab_sample_as_an_adjustment(clean_db):
    store = await build_store(
        "Cascade", "412345", "WA", "America/Los_Angeles", "ccrs", "cascade.test"
    )
    lead = store.users[Role.INVENTORY_LEAD]
    product, batch = await add_product(lead, "WA-OG")
    await add_package(
        lead, store.location_id, "WA-FLOWER-1", product, batch, {store.zone(ZoneKind.VAULT): 10}
    )

    class Place:
        location_id = store.location_id
        as_ = staticmethod(lambda role: store.users[role])
        zone = staticmethod(store.zone)

    await _sample(Place, "WA-FLOWER-1", "1")
    await _to_lab(Place, "WA-FLOWER-1", "2")

    export = await ccrs_export.export_week(
        new_uow(), store.location_id, date.today(), "Dana Compliance"
    )

    files = {f.kind: ccrs.parse(f.content) for f in export.files}
    [adjustment] = files[ccrs.FileKind.INVENTORY_ADJUSTMENT].rows
    assert (adjustment.inventory_external_identifier, adjustment.quantity) == (
        "WA-FLOWER-1",
        Decimal(2),
    )
    on_hand = {
        i.external_identifier: i.quantity_on_hand for i in files[ccrs.FileKind.INVENTORY].rows
    }
    assert on_hand == {"WA-FLOWER-1": Decimal(8)}


async def test_metrc_hears_nothing_of_a_jar_and_the_trade_sample_as_it_leaves(world, metrc):
    await adjustment_reasons.set_mapping(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        adjustment_reasons.SetReasonMapping(
            world.ca.location_id, AdjustmentReason.SAMPLE, "Inventory Audit"
        ),
    )
    await take(world, "1")  # a display jar: stays on hand at METRC
    with state_rules("CA", GENEROUS):
        trade = await take(world, "2", kind="trade", recipient="C11-0000042-LIC")
    await services.hand_out_sample(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        services.CloseSample(world.ca.location_id, trade.value.sample_id),
    )

    result = await sync.drain(new_uow(), world.ca.location_id, owner="test")

    assert result.sent == 1
    assert metrc.state.package(world.tag).quantity == Decimal(8)
    [adjustment] = metrc.state.adjustments()
    assert adjustment.reason == "Inventory Audit"
    metrc.log.assert_no_violations()
