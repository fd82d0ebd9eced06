"""Two deployments sharing one Redis (say a test run and a demo) never see each other's events
or jobs: channels and the arq queue carry ``LEAFLEDGER_REDIS_PREFIX``."""

from __future__ import annotations

import asyncio
import dataclasses

from api.bootstrap import job_queue
from domain import events
from domain.broadcast import Broadcaster
from tests.conftest import SETTINGS, TEST_REDIS_URL
from tests.support.redis_keys import forget_queue
from workers.kick import JobKicker


async def _received(broadcaster: Broadcaster, location_id: int) -> list[events.Event]:
    """Every event delivered until half a second passes without one."""
    got = []
    async with broadcaster.listen(location_id) as queue:
        while True:
            try:
                got.append((await asyncio.wait_for(queue.get(), 0.5)).event)
            except TimeoutError:
                return got


async def test_a_store_sees_only_its_own_deployments_events_on_a_shared_redis():
    ours = Broadcaster(TEST_REDIS_URL, prefix="deployment-a")
    theirs = Broadcaster(TEST_REDIS_URL, prefix="deployment-b")
    for b in (ours, theirs):
        await b.start()
        await b.wait_ready()
    try:
        sale = events.SaleUpdated(location_id=1, sale_id=11)
        other = events.SaleUpdated(location_id=1, sale_id=22)
        listening = [
            asyncio.create_task(_received(ours, 1)),
            asyncio.create_task(_received(theirs, 1)),
        ]
        await asyncio.sleep(0.05)
        await ours.publish([sale])
        await theirs.publish([other])
        await ours.flush()
        await theirs.flush()
        seen_by_ours, seen_by_theirs = await asyncio.gather(*listening)
    finally:
        await ours.stop()
        await theirs.stop()
    assert seen_by_ours == [sale]
    assert seen_by_theirs == [other]


async def test_jobs_queued_by_one_deployment_are_not_in_the_others_queue():
    # Prefixes of this run only: a concurrent run's copy of this test keeps its own keys.
    prefix_a, prefix_b = f"{SETTINGS.redis_prefix}-a", f"{SETTINGS.redis_prefix}-b"
    a = await job_queue(dataclasses.replace(SETTINGS, redis_prefix=prefix_a))
    b = await job_queue(dataclasses.replace(SETTINGS, redis_prefix=prefix_b))
    try:
        await a.delete(a.default_queue_name, b.default_queue_name)
        await a.enqueue_job("verify_ledger", _job_id=f"{prefix_a}:prefix-test-job")
        assert [j.job_id for j in await a.queued_jobs()] == [f"{prefix_a}:prefix-test-job"]
        assert await b.queued_jobs() == []
        assert a.default_queue_name == f"{prefix_a}:queue"
    finally:
        await forget_queue(TEST_REDIS_URL, prefix_a)
        await forget_queue(TEST_REDIS_URL, prefix_b)
        await a.aclose()
        await b.aclose()


async def test_two_deployments_on_one_redis_each_queue_their_own_drain_of_location_1():
    # arq keeps one job per id across the whole Redis: an unprefixed "drain:1" queued by one
    # deployment made the other's enqueue a silent no-op, so its reports waited for the sweep.
    prefix_a, prefix_b = f"{SETTINGS.redis_prefix}-a", f"{SETTINGS.redis_prefix}-b"
    a = await job_queue(dataclasses.replace(SETTINGS, redis_prefix=prefix_a))
    b = await job_queue(dataclasses.replace(SETTINGS, redis_prefix=prefix_b))
    try:
        queued = events.StateReportsQueued(location_id=1)
        await JobKicker(a, prefix_a).publish([queued])
        await JobKicker(b, prefix_b).publish([queued])
        jobs_a, jobs_b = await a.queued_jobs(), await b.queued_jobs()
    finally:
        await forget_queue(TEST_REDIS_URL, prefix_a)
        await forget_queue(TEST_REDIS_URL, prefix_b)
        await a.aclose()
        await b.aclose()
    assert [(j.function, j.args) for j in jobs_a] == [("drain_reports", (1,))]
    assert [(j.function, j.args) for j in jobs_b] == [("drain_reports", (1,))]


def test_a_worker_takes_jobs_and_runs_crons_under_its_deployments_prefix():
    from workers.settings import worker_settings

    options = worker_settings(dataclasses.replace(SETTINGS, redis_prefix="deployment-a"))
    assert options["queue_name"] == "deployment-a:queue"
    # A unique cron's job id is its name and time: unprefixed, one deployment's worker would
    # take the tick and the other's would skip it.
    assert {c.name for c in options["cron_jobs"]} >= {"cron:deployment-a:expire_reservations"}
    assert all(c.name.startswith("cron:deployment-a:") for c in options["cron_jobs"])
