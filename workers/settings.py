"""The arq worker: connects the domain to Postgres and Redis, then runs jobs and crons."""

from __future__ import annotations

import os
from typing import Any

from arq import cron, func
from arq.connections import RedisSettings

from domain import db, events
from domain.broadcast import Broadcaster
from workers import jobs, webhooks
from workers.kick import JobKicker, require_registered

REDIS_URL = os.environ.get("LEAFLEDGER_REDIS_URL") or "redis://127.0.0.1:6379/0"
EVERY_TEN_SECONDS = set(range(0, 60, 10))
EVERY_FIVE_SECONDS = set(range(0, 60, 5))


async def startup(ctx: dict[str, Any]) -> None:
    if url := os.environ.get("LEAFLEDGER_DATABASE_URL"):
        db.configure(url)
    await db.start(min_size=1, max_size=5)
    broadcaster = Broadcaster(REDIS_URL)
    await broadcaster.start(listen=False)
    events.set_publisher(events.fanout(broadcaster.publish, JobKicker(ctx["redis"]).publish))
    ctx["broadcaster"] = broadcaster


async def shutdown(ctx: dict[str, Any]) -> None:
    events.set_publisher(None)
    if broadcaster := ctx.get("broadcaster"):
        await broadcaster.stop()
    await db.stop()


class WorkerSettings:
    # keep_result=0: a finished drain must not block the next one with the same job id.
    functions = [
        func(jobs.drain_reports, keep_result=0, timeout=900),
        func(jobs.sweep_state_reports, keep_result=0),
        func(jobs.reconcile_run, keep_result=0, timeout=1800),
        func(jobs.expire_reservations, keep_result=0, timeout=600),
        func(webhooks.deliver_webhooks, keep_result=0, timeout=600),
        jobs.verify_ledger,
        jobs.schedule_reconciliations,
        func(jobs.pull_incoming_shipments, keep_result=0, timeout=900),
    ]
    require_registered(functions)  # every job an event kicks (workers.kick.KICKS) runs here
    cron_jobs = [
        cron(jobs.expire_reservations, second=EVERY_FIVE_SECONDS, unique=True, run_at_startup=True),
        cron(jobs.sweep_state_reports, second=EVERY_TEN_SECONDS, unique=True, run_at_startup=True),
        cron(webhooks.deliver_webhooks, second=EVERY_TEN_SECONDS, unique=True, timeout=600),
        cron(jobs.verify_ledger, hour={3}, minute={17}, unique=True),
        cron(jobs.schedule_reconciliations, hour={2}, minute={41}, unique=True),
        cron(jobs.pull_incoming_shipments, minute=set(range(0, 60, 15)), unique=True),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(REDIS_URL)
    health_check_interval = 30
    max_jobs = 20
    # How often an idle worker looks for due jobs (arq's default is 0.5 s): a reservation's
    # deferred expiry should not wait half a second for the worker to notice it.
    poll_delay = 0.1
