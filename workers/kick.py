"""Start work as soon as it is committed, instead of waiting for the next sweep.

An after-commit publisher: ``KICKS`` says which committed event starts which job. New state
reports enqueue a drain of their licence, due webhooks a delivery run, a held order a wake-up
when it ends, a requested reconciliation its run. The job id de-duplicates (one queued drain per
licence); the sweepers cover anything a lost kick misses. The table names job functions, not
strings, and ``require_registered`` makes the worker refuse to import without one of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Function

from domain.events import (
    AccessEventsRecorded,
    AuditPacketProgressed,
    DestructionCarriedOut,
    Event,
    ReconciliationRequested,
    ReservationUpdated,
    StateReportsQueued,
    StockBalanceChanged,
    WebhooksQueued,
)
from workers import destruction, diversion, jobs, packet, webhooks
from workers.job_ids import (
    DIVERSION_SLOT_SECONDS,
    WAKE_UP_SLOTS_PER_SECOND,
    audit_packet_job_id,
    destruction_finish_job_id,
    diversion_job_id,
    drain_job_id,
    expiry_job_id,
    expiry_wake_up,
    reconcile_job_id,
    webhooks_job_id,
)

__all__ = [
    "KICKS",
    "WAKE_UP_SLOTS_PER_SECOND",
    "JobKicker",
    "drain_job_id",
    "expiry_wake_up",
    "require_registered",
    "webhooks_job_id",
]

log = logging.getLogger(__name__)

Job = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Enqueue:
    """One job to queue: arguments, the de-duplicating id, and when to run it (None: now)."""

    args: tuple[Any, ...]
    job_id: str
    at: datetime | None = None


def _drain(prefix: str, event: StateReportsQueued) -> Enqueue:
    return Enqueue((event.location_id,), drain_job_id(prefix, event.location_id))


def _deliver(prefix: str, event: WebhooksQueued) -> Enqueue:
    return Enqueue((), webhooks_job_id(prefix))


def _wake_up(prefix: str, event: ReservationUpdated) -> Enqueue | None:
    # Wake when the hold ends; the job expires everything due, re-checking under the row
    # locks, and a later extension simply schedules another wake-up. One job per slot however
    # many holds end in it: a lunch rush of orders ends in one sweep.
    if event.expires_at is None:
        return None
    moment = expiry_wake_up(event.expires_at)
    return Enqueue((), expiry_job_id(prefix, moment), datetime.fromtimestamp(moment, UTC))


def _reconcile(prefix: str, event: ReconciliationRequested) -> Enqueue:
    return Enqueue((event.run_id,), reconcile_job_id(prefix, event.run_id))


def _diversion(prefix: str, event: StockBalanceChanged | AccessEventsRecorded) -> Enqueue:
    # Movements and door events of the same half minute share one evaluation at its end: a
    # busy store runs the rules twice a minute, not once per sale.
    slot = int(time.time() // DIVERSION_SLOT_SECONDS) + 1
    return Enqueue(
        (event.location_id,),
        diversion_job_id(prefix, event.location_id, slot),
        datetime.fromtimestamp(slot * DIVERSION_SLOT_SECONDS, UTC),
    )


def _finish_destruction(prefix: str, event: DestructionCarriedOut) -> Enqueue | None:
    # Only systems with a second step (BioTrack) set a due time; the sweep covers lost kicks.
    if event.state_finish_at is None:
        return None
    return Enqueue(
        (event.destruction_id,),
        destruction_finish_job_id(prefix, event.destruction_id),
        event.state_finish_at,
    )


def _build_packet(prefix: str, event: AuditPacketProgressed) -> Enqueue | None:
    # Only a request (queued) starts a build; progress events of a running build do not.
    if event.status != "queued":
        return None
    return Enqueue((event.packet_id,), audit_packet_job_id(prefix, event.packet_id))


# Event class -> (the job it starts, what to queue for one event under a deployment's Redis
# prefix; None: nothing).
KICKS: dict[type[Event], tuple[Job, Callable[[str, Any], Enqueue | None]]] = {
    StateReportsQueued: (jobs.drain_reports, _drain),
    WebhooksQueued: (webhooks.deliver_webhooks, _deliver),
    ReservationUpdated: (jobs.expire_reservations, _wake_up),
    ReconciliationRequested: (jobs.reconcile_run, _reconcile),
    StockBalanceChanged: (diversion.evaluate_diversion, _diversion),
    AccessEventsRecorded: (diversion.evaluate_diversion, _diversion),
    DestructionCarriedOut: (destruction.finish_state_destruction, _finish_destruction),
    AuditPacketProgressed: (packet.build_audit_packet, _build_packet),
}


def job_name(job: Job) -> str:
    """The name arq registers a job function under (``arq.func`` uses the qualname)."""
    return job.__qualname__


def require_registered(functions: Iterable[Function | Job]) -> None:
    """Fail (at the worker's import) unless every job ``KICKS`` starts is registered."""
    registered = {f.coroutine if isinstance(f, Function) else f for f in functions}
    missing = sorted(job_name(job) for job, _ in KICKS.values() if job not in registered)
    if missing:
        raise RuntimeError(f"jobs kicked by events but not registered: {', '.join(missing)}")


class JobKicker:
    """Queues the jobs committed events start, on ``pool`` (the deployment's queue) under job
    ids that carry ``prefix`` (``Settings.redis_prefix``; arq's job ids are Redis-wide)."""

    def __init__(self, pool: ArqRedis, prefix: str) -> None:
        self.pool = pool
        self.prefix = prefix

    async def publish(self, events: Sequence[Event]) -> None:
        planned: dict[str, tuple[Job, Enqueue]] = {}
        for event in events:
            kick = KICKS.get(type(event))
            if kick is None:
                continue
            job, plan = kick
            if (enqueue := plan(self.prefix, event)) is not None:
                planned.setdefault(enqueue.job_id, (job, enqueue))
        for job_id, (job, enqueue) in planned.items():  # each job once per batch
            await self.pool.enqueue_job(
                job_name(job),
                *enqueue.args,
                _job_id=job_id,
                _defer_until=enqueue.at,
            )
