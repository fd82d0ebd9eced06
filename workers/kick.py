"""Start work as soon as it is committed, instead of waiting for the next sweep.

An after-commit publisher: new state reports enqueue a drain of their licence. The job id
de-duplicates (one queued drain per licence); the sweeper covers anything a lost kick misses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from arq.connections import ArqRedis

from domain.events import Event

log = logging.getLogger(__name__)


def drain_job_id(location_id: int) -> str:
    return f"drain:{location_id}"


class JobKicker:
    def __init__(self, pool: ArqRedis) -> None:
        self.pool = pool

    async def publish(self, events: Sequence[Event]) -> None:
        for location_id in sorted({e.location_id for e in events if e.topic == "state_reports"}):
            await self.pool.enqueue_job(
                "drain_reports", location_id, _job_id=drain_job_id(location_id)
            )
        for event in events:
            if event.topic == "reconcile_requested":
                run_id = event.data["run_id"]
                await self.pool.enqueue_job("reconcile_run", run_id, _job_id=f"reconcile:{run_id}")
