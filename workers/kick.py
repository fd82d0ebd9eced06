"""Start work as soon as it is committed, instead of waiting for the next sweep.

An after-commit publisher: new state reports enqueue a drain of their licence. The job id
de-duplicates (one queued drain per licence); the sweeper covers anything a lost kick misses.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import UTC, datetime

from arq.connections import ArqRedis

from domain.events import Event

log = logging.getLogger(__name__)


def drain_job_id(location_id: int) -> str:
    return f"drain:{location_id}"


# Holds ending within the same tenth of a second share one wake-up, at the end of that tenth.
WAKE_UP_SLOTS_PER_SECOND = 10


def expiry_wake_up(expires_at: datetime) -> float:
    """When to expire a hold ending at ``expires_at`` (unix seconds, at most 0.1 s later)."""
    slots = WAKE_UP_SLOTS_PER_SECOND
    return math.ceil(expires_at.timestamp() * slots) / slots


# One queued webhook run at a time sends every licence's due deliveries.
WEBHOOKS_JOB_ID = "webhooks"


class JobKicker:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def publish(self, events: Sequence[Event]) -> None:
        for location_id in sorted({e.location_id for e in events if e.topic == "state_reports"}):
            await self.pool.enqueue_job(
                "drain_reports", location_id, _job_id=drain_job_id(location_id)
            )
        if any(e.topic == "webhooks" for e in events):
            await self.pool.enqueue_job("deliver_webhooks", _job_id=WEBHOOKS_JOB_ID)
        wake_ups = {
            expiry_wake_up(datetime.fromisoformat(event.data["expires_at"]))
            for event in events
            if event.topic == "reservation" and "expires_at" in event.data
        }
        for moment in sorted(wake_ups):
            # Wake when the holds end; the job expires everything due, re-checking under the
            # row locks, and a later extension simply schedules another wake-up. One job per
            # slot however many holds end in it: a lunch rush of orders ends in one sweep.
            await self.pool.enqueue_job(
                "expire_reservations",
                _job_id=f"expire-at:{moment:.1f}",
                _defer_until=datetime.fromtimestamp(moment, UTC),
            )
        for event in events:
            if event.topic == "reconcile_requested":
                run_id = event.data["run_id"]
                await self.pool.enqueue_job("reconcile_run", run_id, _job_id=f"reconcile:{run_id}")
