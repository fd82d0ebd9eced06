"""The worker dies mid-batch, Redis forgets its queue and METRC goes down for a while: when the
dust settles every report has reached METRC exactly once, in order."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from decimal import Decimal

import pytest

from domain import db
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.conftest import SETTINGS
from tests.support.processes import start_worker, stop
from tests.support.redis_keys import forget_queue
from tests.support.units import new_uow

REPORTS = 24


def _start_worker():
    return start_worker({"LEAFLEDGER_SYNC_LEASE_SECONDS": "2"})


async def _sent(world) -> int:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT count(*) FROM state_report WHERE location = $1 AND status = 'sent'",
            world.ca.location_id,
        )


async def _wait(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("timed out waiting")


@pytest.mark.slow
async def test_reports_survive_a_killed_worker_a_flushed_queue_and_an_outage(world, metrc):
    manager = world.as_(Role.MANAGER)
    for _ in range(REPORTS):
        await stock.adjust_stock(
            new_uow(),
            manager,
            stock.AdjustStock(
                world.ca.location_id,
                world.tag,
                world.ca.zone(ZoneKind.VAULT),
                Decimal("-0.1"),
                AdjustmentReason.DAMAGE,
                note="dropped on the floor",
            ),
        )
    # Slow METRC down so the kill lands in the middle of the batch.
    metrc.faults.hang(0.25, count=REPORTS * 3, apply=True, method="POST")

    worker = _start_worker()
    try:
        await _wait(lambda: _at_least(metrc, 5), 30)
    finally:
        stop(worker, signal.SIGKILL)

    await forget_queue(os.environ["LEAFLEDGER_REDIS_URL"], SETTINGS.redis_prefix)
    metrc.faults.down()

    worker = _start_worker()
    try:
        await asyncio.sleep(3)
        metrc.faults.up()
        await _wait(lambda: _all_sent(world), 60)
    finally:
        stop(worker)

    adjustments = metrc.state.adjustments()
    async with db.connection() as conn:
        ours = [
            r["external_id"]
            for r in await conn.fetch(
                "SELECT external_id FROM state_report WHERE location = $1 ORDER BY id",
                world.ca.location_id,
            )
        ]
    assert [a.note.split(":")[0] for a in adjustments] == ours
    assert metrc.state.package(world.tag).quantity == Decimal("10") - Decimal("0.1") * REPORTS
    metrc.log.assert_no_violations()


async def _at_least(metrc, count: int) -> bool:
    return len(metrc.state.adjustments()) >= count


async def _all_sent(world) -> bool:
    return await _sent(world) == REPORTS
