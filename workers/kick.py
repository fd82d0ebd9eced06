"""Start work as soon as it is committed, instead of waiting for the next sweep.

An after-commit publisher: new state reports enqueue a drain of their licence. The job id
de-duplicates (one queued drain per licence); the sweeper covers anything a lost kick misses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from arq.connections import ArqRedis

from domain.events import Event

log = logging.getLogger(__name__)


def drain_job_id(location_id: int) -> str:
    return f"drain:{location_id}"


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
        for event in events:
            if event.topic == "reservation" and "expires_at" in event.data:
                # Wake exactly when the hold ends; the job re-checks under the row lock, and a
                # later extension simply schedules another wake-up.
                expires_at = datetime.fromisoformat(event.data["expires_at"])
                await self.pool.enqueue_job(
                    "expire_reservations",
                    _job_id=f"expire:{event.data['reservation_id']}:{expires_at.timestamp()}",
                    _defer_until=expires_at,
                )
            if event.topic == "reconcile_requested":
                run_id = event.data["run_id"]
                await self.pool.enqueue_job("reconcile_run", run_id, _job_id=f"reconcile:{run_id}")
