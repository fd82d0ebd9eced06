"""Jobs. Each is safe to run twice: it reads its work from Postgres, and a lease or a row lock
decides who does it; Redis only carries the nudge."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from api.metrics import RESERVATION_EXPIRIES
from domain.audit.verification import verify_location, verify_shared_change_log
from domain.compliance import queries as compliance_queries
from domain.compliance import reconcile, sync
from domain.counts import expiry as count_expiry
from domain.identity import refresh
from domain.organisation import queries as organisation_queries
from domain.receiving import shipments
from domain.sales import release
from domain.settings import load
from domain.unit_of_work import UnitOfWorkFactory
from workers.job_ids import drain_job_id, reconcile_job_id

log = logging.getLogger(__name__)


def units(ctx: dict[str, Any]) -> UnitOfWorkFactory:
    """The worker's units of work (``workers.settings.startup`` puts them in ``ctx``)."""
    return ctx["units"]


def _owner(ctx: dict[str, Any]) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{ctx.get('job_id', 'direct')}"


def _prefix(ctx: dict[str, Any]) -> str:
    """The deployment's Redis prefix (``worker_settings`` hands the settings over)."""
    return (ctx.get("settings") or load()).redis_prefix


async def drain_reports(ctx: dict[str, Any], location_id: int) -> dict[str, Any]:
    """Send one licence's due state reports, in order."""
    result = await sync.drain(units(ctx)(), location_id, owner=_owner(ctx))
    if result.sent or result.failed or result.deferred:
        log.info("drained location %s: %s", location_id, result)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "deferred": result.deferred,
        "skipped": result.skipped,
    }


async def sweep_state_reports(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-queue drains Postgres says are due (after a lost queue, a crash or a backoff) and raise
    overdue alerts. Runs every ten seconds."""
    due = await sync.due_locations(units(ctx).registry)
    redis = ctx.get("redis")
    for location_id in due:
        if redis is not None:
            await redis.enqueue_job(
                drain_reports.__qualname__,
                location_id,
                _job_id=drain_job_id(_prefix(ctx), location_id),
            )
    overdue = await sync.raise_overdue_alerts(units(ctx)())
    stale = await reconcile.stale_queued_runs()
    for run_id in stale:
        if redis is not None:
            await redis.enqueue_job(
                reconcile_run.__qualname__, run_id, _job_id=reconcile_job_id(_prefix(ctx), run_id)
            )
    return {"queued": len(due), "overdue": overdue, "reconciliations": len(stale)}


async def reconcile_run(ctx: dict[str, Any], run_id: int) -> dict[str, Any]:
    """Run a queued reconciliation (a second delivery of the same job does nothing)."""
    summary = await reconcile.run_queued(units(ctx)(), run_id)
    return {} if summary is None else summary.__dict__


async def schedule_reconciliations(ctx: dict[str, Any]) -> dict[str, int]:
    """Nightly: queue a reconciliation for every licence whose state system has an API."""
    location_ids = await compliance_queries.enabled_connection_locations()
    for location_id in location_ids:
        await reconcile.request(units(ctx)(), location_id)
    return {"queued": len(location_ids)}


async def expire_reservations(ctx: dict[str, Any]) -> dict[str, int]:
    """Put back every held order past its time (a deferred wake-up, and every few seconds as a
    sweep, so expiry happens even after Redis lost its queue or a worker died)."""
    expired = await release.expire_due(units(ctx)())
    RESERVATION_EXPIRIES.inc(expired)
    return {"expired": expired}


async def expire_counts(ctx: dict[str, Any]) -> dict[str, int]:
    """Every minute: count sessions left open past their location's limit expire (safe twice:
    an expired session is no longer open; a session touched after its limit expires then too)."""
    return {"expired": await count_expiry.expire(units(ctx)())}


async def purge_refresh_tokens(ctx: dict[str, Any]) -> dict[str, int]:
    """Nightly: sign-ins whose every refresh token expired a week ago leave the table."""
    return {"deleted": await refresh.purge_dead_families(units(ctx)())}


async def pull_incoming_shipments(ctx: dict[str, Any]) -> dict[str, int]:
    """Every licence with a state API: bring new incoming manifests in as expected shipments."""
    location_ids = await compliance_queries.enabled_connection_locations()
    created = 0
    for location_id in location_ids:
        try:
            created += await shipments.pull_incoming(units(ctx)(), location_id)
        except Exception:
            log.exception("pulling incoming manifests for location %s failed", location_id)
    return {"locations": len(location_ids), "created": created}


async def verify_ledger(ctx: dict[str, Any], location_id: int | None = None) -> dict[str, int]:
    """Nightly: verify the chains of one location (or all), record each run, and alert
    compliance on every broken link (``domain.audit.verification``). Safe twice: a second run
    is another run, finding the same."""
    ids = [location_id] if location_id is not None else await organisation_queries.location_ids()
    broken = dangling = 0
    for loc in ids:
        run = await verify_location(units(ctx)(), loc, "nightly")
        for head in run.heads:
            if head.check == "references":
                dangling += head.broken
            else:
                broken += head.broken
        if not run.clean:
            log.error("ledger verification found breaks at location %s: %s", loc, run.findings)
    if location_id is None:
        for found in await verify_shared_change_log():
            broken += 1
            log.error(
                "change log %s broken at row %s: %s", found.chain, found.sequence, found.reason
            )
    return {"locations": len(ids), "broken": broken, "dangling": dangling}
