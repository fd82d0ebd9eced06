"""A repack at a WA store reaches the week's CCRS files: the new package as new inventory, the
parent's stock leaving as an adjustment naming it, the packaging loss as a destruction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain import errors
from domain.compliance import ccrs_export
from domain.organisation.model import ZoneKind
from domain.roles import Role
from plugins.builtin import ccrs_files as ccrs
from tests.repackaging.helpers import repack, tag
from tests.support.units import new_uow
from tests.support.world import add_package, add_product, build_store

BULK = "WA-BULK-0001"


async def test_a_split_in_washington_is_in_the_weeks_ccrs_files(clean_db):
    store = await build_store(
        "Cascade", "412345", "WA", "America/Los_Angeles", "ccrs", "cascade.test"
    )
    lead = store.users[Role.INVENTORY_LEAD]
    product, batch = await add_product(lead, "WA-OG")
    vault = store.zone(ZoneKind.VAULT)
    await add_package(lead, store.location_id, BULK, product, batch, {vault: Decimal(28)})

    await repack(store, [(BULK, "28")], [(tag(1), product, "27")], loss="1")

    export = await ccrs_export.export_week(new_uow(), store.location_id, date.today(), "Dana")
    files = {f.kind: ccrs.parse(f.content) for f in export.files}
    adjustments = sorted(
        (a.inventory_external_identifier, a.quantity, a.adjustment_reason, a.adjustment_detail)
        for a in files[ccrs.FileKind.INVENTORY_ADJUSTMENT].rows
    )
    assert adjustments == [
        (
            BULK,
            Decimal(1),
            ccrs.CcrsAdjustmentReason.DESTRUCTION,
            "packaging_waste; decrease; packaging loss while repackaging",
        ),
        (
            BULK,
            Decimal(27),
            ccrs.CcrsAdjustmentReason.OTHER,
            f"other; decrease; repackaged into {tag(1)}",
        ),
    ]
    on_hand = {
        i.external_identifier: i.quantity_on_hand for i in files[ccrs.FileKind.INVENTORY].rows
    }
    assert on_hand == {BULK: Decimal(0), tag(1): Decimal(27)}


async def test_a_biotrack_store_is_told_repackaging_cannot_be_reported_there(clean_db):
    store = await build_store(
        "Desert Bloom", "BT-0001", "NM", "America/Denver", "biotrack", "bloom.test"
    )
    lead = store.users[Role.INVENTORY_LEAD]
    product, batch = await add_product(lead, "NM-FL")
    await add_package(
        lead,
        store.location_id,
        "4157360000000025",
        product,
        batch,
        {store.zone(ZoneKind.VAULT): Decimal(10)},
    )
    with pytest.raises(errors.StateCannotRecord) as refused:
        await repack(store, [("4157360000000025", "10")], [("4157360000000099", product, "10")])
    assert refused.value.system == "BioTrack"
