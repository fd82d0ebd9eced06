"""The arq worker: connects the domain to Postgres and Redis, then runs jobs and crons.

``worker_settings(settings)`` is what ``leafledger worker`` runs: the queue and the cron jobs'
names carry ``Settings.redis_prefix``, so deployments sharing a Redis run only their own jobs.
Start-up goes through the same composition root as the API (``api.bootstrap``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from arq import cron, func
from arq.cron import CronJob
from arq.worker import Function

from api.bootstrap import bootstrap, redis_settings, running
from api.metrics import timed_job
from domain.settings import Settings, load
from workers import analytics, destruction, diversion, jobs, packet, samples, webhooks
from workers.kick import require_registered

EVERY_TEN_SECONDS = set(range(0, 60, 10))
EVERY_FIVE_SECONDS = set(range(0, 60, 5))
# How long a cron tick's result stays in Redis. A unique cron's job id is its name and tick, and
# arq refuses to enqueue an id while its job or result exists; arq keeps no cron result unless
# told, so a second worker whose scheduler lagged past a finished tick could enqueue and run it
# again. Kept ten minutes, the tick's id stays taken for any lag a live worker has.
CRON_RESULT_SECONDS = 600


async def startup(ctx: dict[str, Any]) -> None:
    # ``worker_settings`` hands the settings over; a bare ``arq WorkerSettings`` loads them.
    settings: Settings = ctx.get("settings") or load()
    stack = contextlib.AsyncExitStack()
    # A worker only publishes (it listens to no events); what it enqueues goes to arq's pool.
    deps = bootstrap(settings)
    await stack.enter_async_context(
        running(deps, pool_size=(1, 5), listen=False, jobs=ctx["redis"])
    )
    ctx["units"] = deps.units  # jobs take their units of work (and the plugins) from it
    ctx["running"] = stack


async def shutdown(ctx: dict[str, Any]) -> None:
    if stack := ctx.pop("running", None):
        await stack.aclose()


def periodic_jobs(prefix: str) -> list[CronJob]:
    """The periodic jobs. A unique cron's job id derives from its name, so the name carries the
    deployment's prefix: two deployments on one Redis each run their own."""

    def named(job: Any) -> str:
        return f"cron:{prefix}:{job.__name__}"

    crons = [
        cron(
            jobs.expire_reservations,
            name=named(jobs.expire_reservations),
            second=EVERY_FIVE_SECONDS,
            unique=True,
            run_at_startup=True,
        ),
        cron(
            jobs.sweep_state_reports,
            name=named(jobs.sweep_state_reports),
            second=EVERY_TEN_SECONDS,
            unique=True,
            run_at_startup=True,
        ),
        cron(
            webhooks.deliver_webhooks,
            name=named(webhooks.deliver_webhooks),
            second=EVERY_TEN_SECONDS,
            unique=True,
            timeout=600,
        ),
        cron(
            destruction.sweep_state_destructions,
            name=named(destruction.sweep_state_destructions),
            minute=set(range(0, 60, 5)),
            unique=True,
        ),
        cron(jobs.verify_ledger, name=named(jobs.verify_ledger), hour={3}, minute={17}),
        cron(jobs.expire_counts, name=named(jobs.expire_counts), second={30}, unique=True),
        cron(
            jobs.purge_refresh_tokens,
            name=named(jobs.purge_refresh_tokens),
            hour={4},
            minute={41},
            unique=True,
        ),
        cron(
            jobs.schedule_reconciliations,
            name=named(jobs.schedule_reconciliations),
            hour={2},
            minute={41},
        ),
        cron(
            diversion.catch_up_diversion,
            name=named(diversion.catch_up_diversion),
            minute=set(range(7, 60, 15)),
            unique=True,
            timeout=900,
        ),
        cron(
            diversion.roll_up_shrinkage,
            name=named(diversion.roll_up_shrinkage),
            minute={11},
            unique=True,
            timeout=1800,
        ),
        cron(
            diversion.sweep_diversion,
            name=named(diversion.sweep_diversion),
            hour={1},
            minute={23},
            timeout=3600,
        ),
        cron(
            jobs.pull_incoming_shipments,
            name=named(jobs.pull_incoming_shipments),
            minute=set(range(0, 60, 15)),
        ),
        cron(
            samples.raise_sample_due_alerts,
            name=named(samples.raise_sample_due_alerts),
            minute=set(range(7, 60, 15)),
            unique=True,
        ),
        cron(
            packet.sweep_audit_packets,
            name=named(packet.sweep_audit_packets),
            minute=set(range(3, 60, 5)),
            unique=True,
        ),
        cron(
            analytics.sweep_analytics,
            name=named(analytics.sweep_analytics),
            hour={2},
            minute={17},
            unique=True,
            timeout=3600,
        ),
    ]
    return [dataclasses.replace(c, keep_result_s=CRON_RESULT_SECONDS) for c in crons]


class WorkerSettings:
    """The options every deployment shares; run it through ``worker_settings(settings)``
    (``leafledger worker``), which adds the Redis, the queue and the prefixed crons: this class
    alone would listen on arq's default queue, where the API enqueues nothing."""

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
        func(diversion.evaluate_diversion, keep_result=0, timeout=900),
        func(diversion.catch_up_diversion, keep_result=0, timeout=900),
        func(diversion.sweep_diversion, keep_result=0, timeout=3600),
        func(diversion.roll_up_shrinkage, keep_result=0, timeout=1800),
        func(destruction.finish_state_destruction, keep_result=0, timeout=300),
        func(destruction.sweep_state_destructions, keep_result=0, timeout=600),
        func(samples.raise_sample_due_alerts, keep_result=0),
        func(jobs.expire_counts, keep_result=0, timeout=300),
        func(packet.build_audit_packet, keep_result=0, timeout=1800),
        func(packet.sweep_audit_packets, keep_result=0),
        func(analytics.roll_up_analytics, keep_result=0, timeout=900),
        func(analytics.sweep_analytics, keep_result=0, timeout=3600),
    ]
    require_registered(functions)  # every job an event kicks (workers.kick.KICKS) runs here
    cron_jobs = periodic_jobs("leafledger")
    on_startup = startup
    on_shutdown = shutdown
    health_check_interval = 30
    max_jobs = 20
    # How often an idle worker looks for due jobs (arq's default is 0.5 s): a reservation's
    # deferred expiry should not wait half a second for the worker to notice it.
    poll_delay = 0.1


def worker_settings(settings: Settings) -> dict[str, Any]:
    """``WorkerSettings`` for ``settings``' Redis, queue and prefix (``arq.run_worker(**...)``)."""
    options = {k: v for k, v in vars(WorkerSettings).items() if not k.startswith("_")}
    # Every run counted and timed for /metrics (api.metrics), under the job's own name.
    options["functions"] = [
        dataclasses.replace(f, coroutine=timed_job(f.name, f.coroutine))
        if isinstance(f, Function)
        else timed_job(f.__name__, f)
        for f in options["functions"]
    ]
    crons = [
        dataclasses.replace(
            c, coroutine=timed_job(getattr(c.coroutine, "__name__", c.name), c.coroutine)
        )
        for c in periodic_jobs(settings.redis_prefix)
    ]
    return {
        **options,
        "cron_jobs": crons,
        "redis_settings": redis_settings(settings),
        "queue_name": settings.queue_name,
        "ctx": {"settings": settings},
    }
