"""Sending webhooks to a real receiver: once, signed, retried with backoff, in order per endpoint,
never twice at once, and only to the licence's own subscribed endpoints."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from arq.connections import RedisSettings, create_pool

from domain import db, events
from domain.roles import Role
from domain.webhooks import delivery, outbox, services, signing
from plugins import registry
from tests.support.processes import free_port
from tests.support.units import job_ctx, new_uow
from tests.webhooks.conftest import add_endpoint, delivery_rows, drain, make_due, record
from tests.webhooks.receiver import Answer
from workers.kick import JobKicker, webhooks_job_id
from workers.webhooks import deliver_webhooks

EXPIRED = "reservation.expired"


async def test_a_recorded_event_is_delivered_once_with_a_valid_signature(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    assert endpoint.secret is not None
    added = await record(world.ca.location_id, EXPIRED, "reservation:7:expired", {"id": 7})
    assert added == 1

    result = await drain()
    assert (result.delivered, result.retrying, result.failed) == (1, 0, 0)
    assert (await drain()).claimed == 0  # delivered once, not again

    [hit] = receiver.received("a")
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    header = hit.headers["x-leafledger-signature"]
    assert signing.verify(endpoint.secret, header, hit.body, now=time.time())
    assert not signing.verify("whsec_the-wrong-secret-entirely", header, hit.body, time.time())
    assert not signing.verify(endpoint.secret, header, hit.body + b" ", time.time())
    assert hit.headers["x-leafledger-event"] == EXPIRED
    assert hit.headers["x-leafledger-delivery"] == str(row["id"])
    assert hit.headers["content-type"] == "application/json"
    document = hit.document
    assert (document["id"], document["event"], document["data"]) == (
        "reservation:7:expired",
        EXPIRED,
        {"id": 7},
    )
    assert datetime.fromisoformat(document["created_at"]) == row["created_at"]
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 1, 200)
    assert row["delivered_at"] is not None
    assert row["last_error"] is None


async def test_an_event_exists_only_if_its_transaction_commits(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    with pytest.raises(RuntimeError, match="inside the transaction"):
        await outbox.record(new_uow(), world.ca.location_id, EXPIRED, "reservation:1:expired", {})

    async def failing_change() -> None:
        uow = new_uow()
        async with uow:
            await outbox.record(uow, world.ca.location_id, EXPIRED, "reservation:1:expired", {})
            raise ZeroDivisionError  # the reservation change fails after the event was recorded

    with pytest.raises(ZeroDivisionError):
        await failing_change()
    with pytest.raises(ValueError, match="unknown webhook event"):
        await outbox.record(new_uow(), world.ca.location_id, "reservation.exploded", "x", {})
    assert await delivery_rows(endpoint=endpoint.endpoint_id) == []
    assert (await drain()).claimed == 0


async def test_a_500_is_retried_with_backoff_and_later_events_wait_their_turn(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    receiver.script("a", Answer(500, "database is down"), Answer(503))
    await record(world.ca.location_id, "reservation.created", "reservation:1:created")

    before = datetime.now(UTC)
    result = await drain()
    assert (result.delivered, result.retrying) == (0, 1)
    [first] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert (first["status"], first["attempts"], first["last_status_code"]) == ("pending", 1, 500)
    assert first["last_error"] == "HTTP 500: database is down"
    # First backoff: 5-10 s (jittered), not immediately.
    wait = (first["next_attempt_at"] - before).total_seconds()
    assert delivery.FIRST_BACKOFF_SECONDS / 2 - 1 <= wait <= delivery.FIRST_BACKOFF_SECONDS + 1

    # A later event for the same endpoint must not overtake the one backing off.
    await record(world.ca.location_id, "reservation.cancelled", "reservation:1:cancelled")
    assert (await drain()).claimed == 0
    assert len(receiver.received("a")) == 1

    await make_due(first["id"])
    assert (await drain()).retrying == 1  # the 503: backs off longer the second time
    [first, _] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert first["attempts"] == 2
    assert (first["next_attempt_at"] - datetime.now(UTC)).total_seconds() >= 9

    await make_due(first["id"])
    result = await drain()
    assert result.delivered == 2
    ids = [r.document["id"] for r in receiver.received("a")]
    assert ids == ["reservation:1:created"] * 3 + ["reservation:1:cancelled"]
    rows = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert [(r["status"], r["attempts"]) for r in rows] == [("delivered", 3), ("delivered", 1)]


async def test_retry_after_is_honoured(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    receiver.script("a", Answer(429, headers={"Retry-After": "120"}))
    await record(world.ca.location_id, EXPIRED, "reservation:2:expired")
    assert (await drain()).retrying == 1
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert (row["next_attempt_at"] - datetime.now(UTC)).total_seconds() >= 118


async def test_a_410_fails_at_once_and_does_not_block_the_next_event(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    receiver.script("a", Answer(410, "x" * 5000))
    await record(world.ca.location_id, EXPIRED, "reservation:3:expired")
    await record(world.ca.location_id, EXPIRED, "reservation:4:expired")
    result = await drain()
    assert (result.failed, result.delivered) == (1, 1)
    gone, fine = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert (gone["status"], gone["last_status_code"], gone["attempts"]) == ("failed", 410, 1)
    assert gone["last_error"].startswith("HTTP 410: xxx")
    assert len(gone["last_error"]) <= delivery.BODY_EXCERPT + 20  # the body is truncated
    assert fine["status"] == "delivered"
    await make_due(gone["id"])
    assert (await drain()).claimed == 0  # failed for good: never retried by itself


async def test_timeouts_and_refused_connections_are_retried(world, receiver, monkeypatch):
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.3)
    slow = await add_endpoint(world, receiver.url("slow"))
    dead = await add_endpoint(world, f"http://127.0.0.1:{free_port()}/nobody-listens")
    receiver.script("slow", Answer(200, delay=1.5))
    await record(world.ca.location_id, EXPIRED, "reservation:5:expired")

    started = time.monotonic()
    result = await delivery.deliver_due(registry.current())
    assert time.monotonic() - started < 1.4  # the slow answer (1.5 s) was not waited for
    assert result.retrying == 2
    [timed_out] = await delivery_rows(endpoint=slow.endpoint_id)
    [refused] = await delivery_rows(endpoint=dead.endpoint_id)
    assert timed_out["last_error"] == "no answer within 0.3 s"
    assert timed_out["last_status_code"] is None
    assert refused["last_error"].startswith("ConnectError")
    assert timed_out["status"] == refused["status"] == "pending"


async def test_retrying_stops_at_the_end_of_the_window(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    receiver.script("a", Answer(502))
    await record(world.ca.location_id, EXPIRED, "reservation:6:expired")
    async with db.connection() as conn:
        await conn.execute("UPDATE webhook_delivery SET retry_until = now() + interval '2 s'")
    assert (await drain()).failed == 1
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert row["status"] == "failed"
    assert row["last_error"] == "gave up after 1 attempts: HTTP 502: ok"


async def test_two_workers_never_send_the_same_delivery(world, receiver):
    endpoints = [await add_endpoint(world, receiver.url(f"e{i}")) for i in range(4)]
    expected = [f"reservation:{n}:created" for n in range(6)]
    for event_id in expected:
        await record(world.ca.location_id, "reservation.created", event_id)
    for i in range(4):
        receiver.script(f"e{i}", *[Answer(200, delay=0.02)] * 6)
    claims = [0, 0]

    async def worker(me: int) -> None:
        while await _pending() > 0:
            result = await delivery.deliver_due(registry.current(), limit=2)
            claims[me] += result.claimed
            if not result.claimed:
                await asyncio.sleep(0.005)

    await asyncio.wait_for(asyncio.gather(worker(0), worker(1)), 30)
    assert all(claims), claims  # both workers really took part
    assert sum(claims) == 24
    for i, _ in enumerate(endpoints):
        # Exactly once each, and in the order recorded.
        assert [r.document["id"] for r in receiver.received(f"e{i}")] == expected


async def test_one_call_sends_to_many_endpoints_in_waves(world, receiver):
    count = delivery.CONCURRENCY * 2 + 3
    for i in range(count):
        await add_endpoint(world, receiver.url(f"w{i}"))
    await record(world.ca.location_id, EXPIRED, "reservation:11:expired")
    assert (await delivery.deliver_due(registry.current())).delivered == count
    assert (await delivery.deliver_due(registry.current(), limit=5)).claimed == 0
    assert len(receiver.received()) == count


async def test_a_delivery_locked_by_another_worker_is_skipped_not_waited_for(world, receiver):
    busy = await add_endpoint(world, receiver.url("busy"))
    free = await add_endpoint(world, receiver.url("free"))
    await record(world.ca.location_id, EXPIRED, "reservation:8:expired")
    [locked] = await delivery_rows(endpoint=busy.endpoint_id)
    assert db.DB.pool is not None
    async with db.DB.pool.acquire() as other, other.transaction():
        await other.execute("SELECT 1 FROM webhook_delivery WHERE id = $1 FOR UPDATE", locked["id"])
        result = await asyncio.wait_for(delivery.deliver_due(registry.current()), 5)
    assert result.delivered == 1
    assert [r.name for r in receiver.received()] == ["free"]
    [row] = await delivery_rows(endpoint=free.endpoint_id)
    assert row["status"] == "delivered"
    assert (await drain()).delivered == 1  # released: now it goes


async def test_recording_the_same_event_twice_creates_one_delivery(world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    assert await record(world.ca.location_id, EXPIRED, "reservation:9:expired") == 1
    assert await record(world.ca.location_id, EXPIRED, "reservation:9:expired") == 0
    await drain()
    assert await record(world.ca.location_id, EXPIRED, "reservation:9:expired") == 0
    assert len(await delivery_rows(endpoint=endpoint.endpoint_id)) == 1
    assert len(receiver.received("a")) == 1


async def test_only_the_licences_subscribed_active_endpoints_receive_it(world, receiver):
    everything = await add_endpoint(world, receiver.url("all"))
    expiries = await add_endpoint(world, receiver.url("expiries"), events=(EXPIRED,))
    cancels = await add_endpoint(world, receiver.url("cancels"), events=("reservation.cancelled",))
    other_store = await add_endpoint(world, receiver.url("co"), store="co")
    off = await add_endpoint(world, receiver.url("off"))
    await services.deactivate_endpoint(new_uow(), world.as_(Role.MANAGER), off.endpoint_id)

    assert await record(world.ca.location_id, EXPIRED, "reservation:10:expired") == 2
    await drain()
    assert sorted(r.name for r in receiver.received()) == ["all", "expiries"]
    for silent in (cancels, other_store, off):
        assert await delivery_rows(endpoint=silent.endpoint_id) == []
    assert len(await delivery_rows(endpoint=everything.endpoint_id)) == 1
    assert len(await delivery_rows(endpoint=expiries.endpoint_id)) == 1


async def test_the_job_drains_everything_due_and_a_commit_kicks_it(world, receiver):
    await add_endpoint(world, receiver.url("a"))
    for n in range(3):
        await record(world.ca.location_id, EXPIRED, f"reservation:{n}:expired")
    assert await deliver_webhooks(job_ctx()) == {"delivered": 3, "retrying": 0, "failed": 0}
    assert await deliver_webhooks(job_ctx()) == {"delivered": 0, "retrying": 0, "failed": 0}

    prefix = f"leafledger:webhooks-test:{os.getpid()}"
    queue = f"{prefix}:queue"
    pool = await create_pool(
        RedisSettings.from_dsn(os.environ["LEAFLEDGER_REDIS_URL"]), default_queue_name=queue
    )
    job_id = webhooks_job_id(prefix)
    keys = (f"arq:job:{job_id}", f"arq:result:{job_id}")
    try:
        await pool.delete(*keys)
        kicker = JobKicker(pool, prefix)
        await kicker.publish(
            [events.WebhooksQueued(location_id=1), events.WebhooksQueued(location_id=2)]
        )
        await kicker.publish([events.WebhooksQueued(location_id=1)])  # de-duplicated by job id
        assert await pool.zrange(queue, 0, -1) == [job_id.encode()]
    finally:
        await pool.delete(queue, *keys)
        await pool.aclose()


def test_backoff_grows_with_jitter_and_respects_retry_after():
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (9, 2560), (10, 3600), (30, 3600)]:
        delays = [delivery.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered
    assert delivery.backoff(1, retry_after=90) == 90
    assert delivery.backoff(1, retry_after=10**9) == delivery.MAX_BACKOFF_SECONDS
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert delivery.retry_after("120") == 120
    assert delivery.retry_after("Fri, 27 Nov 2026 12:01:00 GMT", now) == 60
    assert delivery.retry_after("soon") is None
    assert delivery.retry_after(None) is None
    assert now + timedelta(seconds=delivery.retry_after("0") or 0) == now


async def _pending() -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM webhook_delivery WHERE status = 'pending'")
