"""A lunch rush of web orders whose holds end together wakes the worker once, not once per
order; a hold ending later gets its own wake-up."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from arq import create_pool
from arq.connections import RedisSettings

from domain.events import ReservationUpdated
from domain.sales.model import ReservationStatus
from tests.conftest import SETTINGS
from workers.kick import JobKicker, expiry_wake_up


def _held(reservation_id: int, expires_at: datetime) -> ReservationUpdated:
    return ReservationUpdated(
        location_id=1,
        reservation_id=reservation_id,
        status=ReservationStatus.HELD,
        expires_at=expires_at,
    )


async def test_orders_ending_together_share_one_wake_up():
    # A queue and job ids of this test only: it deletes its own keys, never another run's.
    prefix = f"{SETTINGS.redis_prefix}:wake-ups"
    pool = await create_pool(
        RedisSettings.from_dsn(os.environ["LEAFLEDGER_REDIS_URL"]),
        default_queue_name=f"{prefix}:queue",
    )
    try:
        ends = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30, milliseconds=210)
        rush = [_held(n, ends + timedelta(microseconds=250 * n)) for n in range(300)]
        later = _held(999, ends + timedelta(minutes=5))
        kicker = JobKicker(pool, prefix)
        await kicker.publish(rush[:150])
        await kicker.publish([*rush[150:], later])  # a second request, same second
        queued = await pool.queued_jobs()
    finally:
        job_keys = [key async for key in pool.scan_iter(match=f"arq:job:{prefix}:*")]
        await pool.delete(pool.default_queue_name, *job_keys)
        await pool.aclose()
    wake_ups = sorted(job.score for job in queued if job.function == "expire_reservations")
    assert len(wake_ups) == 2
    # Never before a hold ends, and at most a tenth of a second after.
    last_of_rush = ends + timedelta(microseconds=250 * 299)
    assert wake_ups[0] == round(expiry_wake_up(last_of_rush) * 1000)
    assert 0 <= wake_ups[0] / 1000 - last_of_rush.timestamp() <= 0.1
