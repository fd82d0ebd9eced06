"""Destruction at a BioTrack store: our DESTROY schedules the destruction at BioTrack, and a job
kicked for the end of BioTrack's hold carries out its second step, once, however often it runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.destruction import state_finish
from domain.events import DestructionCarriedOut
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.compliance.biotrack_fixtures import (
    FLOOR_TAG,
    ROOMS,
    BioTrackStore,
    assert_clean,
    build_nm_store,
    configure,
    drain,
)
from tests.destruction.helpers import NM, carry_out, record, schedule, set_policy, signoff
from tests.doubles.biotrack import BioTrackDouble, run_biotrack_double
from tests.support.units import job_ctx, publishing
from workers import destruction as destruction_jobs
from workers.kick import KICKS

WASTE_ROOM = 3


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as double:
        yield double


@pytest.fixture
async def nm(clean_db: str, bt: BioTrackDouble) -> BioTrackStore:
    store = await build_nm_store(bt)
    bt.state.add_room(bt.license_number, WASTE_ROOM, "Waste")
    await configure(store, rooms={**ROOMS, "Waste": WASTE_ROOM})
    return store


async def test_biotrack_schedules_then_destroys_after_its_hold(nm, bt):
    await set_policy(nm.store, state_hold_minutes=72 * 60)
    destruction_id = await schedule(nm.store, FLOOR_TAG, "5", zone=ZoneKind.SALES_FLOOR)
    published = []

    async def capture(events):
        published.extend(events)

    with publishing(capture):
        await carry_out(nm.store, destruction_id, [signoff(NM, Role.MANAGER)])

    # The job is kicked for the end of BioTrack's hold.
    [carried] = [e for e in published if isinstance(e, DestructionCarriedOut)]
    due = carried.state_finish_at
    assert due is not None
    assert timedelta(hours=71) < due - datetime.now(UTC) <= timedelta(hours=72)
    job, plan = KICKS[DestructionCarriedOut]
    assert job is destruction_jobs.finish_state_destruction
    assert plan("h7", carried).at == due

    assert (await drain(nm)).sent == 2  # into the waste room, then the schedule
    [scheduled] = bt.state.list_schedules()
    assert scheduled.barcodeid == FLOOR_TAG
    assert bt.state.item(FLOOR_TAG).room == WASTE_ROOM

    ctx = job_ctx()
    early = await destruction_jobs.finish_state_destruction(ctx, destruction_id)
    assert early == {"outcome": state_finish.WAITING}  # BioTrack's hold is not over
    assert bt.state.list_destructions() == []

    bt.state.advance_clock(timedelta(hours=73))
    done = await destruction_jobs.finish_state_destruction(ctx, destruction_id)
    again = await destruction_jobs.finish_state_destruction(ctx, destruction_id)

    assert done == {"outcome": state_finish.DONE}
    assert again == {"outcome": state_finish.NOTHING}
    assert len(bt.state.list_destructions()) == 1
    assert bt.state.item(FLOOR_TAG).status == "destroyed"
    kept = await record(destruction_id)
    assert kept["state_finished_at"] is not None
    assert kept["state_note"].startswith("destroyed at BioTrack")
    assert_clean(bt)


async def test_the_sweep_finishes_what_a_lost_kick_left(nm, bt):
    destruction_id = await schedule(nm.store, FLOOR_TAG, "5", zone=ZoneKind.SALES_FLOOR)
    await carry_out(nm.store, destruction_id, [signoff(NM, Role.MANAGER)])
    await drain(nm)
    bt.state.advance_clock(timedelta(hours=73))

    swept = await destruction_jobs.sweep_state_destructions(job_ctx())

    assert swept == {"finished": 1}
    assert await destruction_jobs.sweep_state_destructions(job_ctx()) == {"finished": 0}
    assert len(bt.state.list_destructions()) == 1
    assert (await record(destruction_id))["waste_weight"] == Decimal(5)
