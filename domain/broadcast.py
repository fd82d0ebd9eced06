"""Cross-process fan-out of domain events through Redis pub/sub.

Each process holds one pattern subscription and fans messages out to local queues, so any API
process can serve a subscriber whichever process committed the change. Pub/sub is at-most-once:
a subscriber that falls behind loses its oldest events (its client refetches), and a dropped Redis
connection is re-established with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis

from domain import events
from domain.events import Event

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
# Events waiting to be sent; beyond this Redis is down or slow, and we drop (at-most-once anyway).
OUTBOX_LIMIT = 100_000


@dataclass
class Delivery:
    """One event as received; ``memo`` is shared by every local subscriber of it, so fresh
    data is read once per event per process rather than once per subscriber."""

    event: Event
    memo: dict[Any, Any] = field(default_factory=dict)
    locks: dict[Any, asyncio.Lock] = field(default_factory=dict)

    async def shared(self, key: Any, load: Any) -> Any:
        lock = self.locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self.memo:
                self.memo[key] = await load()
        return self.memo[key]


def channel_prefix(redis_url: str, prefix: str = "leafledger") -> str:
    """The pub/sub channel prefix for a deployment: ``<prefix>:events:<redis db>:``.

    Pub/sub channels ignore Redis's database numbers, so two deployments (or a test run and a
    demo) on one server would see each other's events: the channel carries the database number
    and the deployment's own ``prefix`` (``Settings.redis_prefix``).
    """
    path = urlsplit(redis_url).path.strip("/") or "0"
    return f"{prefix}:events:{path}:"


class Broadcaster:
    def __init__(self, redis_url: str, *, prefix: str = "leafledger") -> None:
        self._url = redis_url
        self.prefix = channel_prefix(redis_url, prefix)
        self._redis: aioredis.Redis | None = None
        self._queues: dict[int, set[asyncio.Queue[Delivery]]] = defaultdict(set)
        self._reader: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._outbox: list[Event] = []
        self._pending = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._sender: asyncio.Task[None] | None = None

    async def start(self, *, listen: bool = True) -> None:
        """Start sending; with ``listen`` also receive (API processes serving subscribers).

        A worker only publishes: receiving every event of every licence would cost it CPU
        for nothing (a mass expiry publishes tens of thousands).
        """
        self._redis = aioredis.from_url(self._url)
        if listen:
            self._reader = asyncio.create_task(self._read_forever(), name="broadcast-reader")
        self._sender = asyncio.create_task(self._send_forever(), name="broadcast-sender")

    async def stop(self) -> None:
        if self._sender is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.flush(), 2)
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._redis is not None:
            await self._redis.aclose()

    async def wait_ready(self) -> None:
        """Until the pattern subscription is live (tests wait on this before publishing)."""
        await self._subscribed.wait()

    async def publish(self, events: Sequence[Event]) -> None:
        """Hand committed events to the sender task; the request does not wait for Redis.

        Events of concurrent requests are pipelined together, one round trip per batch.
        """
        if self._redis is None:
            return
        if len(self._outbox) + len(events) > OUTBOX_LIMIT:
            log.warning("event outbox full; dropping %d events", len(events))
            return
        self._outbox.extend(events)
        self._idle.clear()
        self._pending.set()

    async def flush(self) -> None:
        """Wait until every event handed over so far has been sent (tests, shutdown)."""
        await self._idle.wait()

    async def _send_forever(self) -> None:
        while True:
            await self._pending.wait()
            self._pending.clear()
            while self._outbox:
                batch, self._outbox = self._outbox, []
                try:
                    assert self._redis is not None
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for event in batch:
                            pipe.publish(
                                f"{self.prefix}{event.location_id}", json.dumps(event.as_dict())
                            )
                        await pipe.execute()
                except Exception as exc:
                    log.warning(
                        "publishing %d events failed",
                        len(batch),
                        exc_info=not events.unreachable(exc),
                    )
            self._idle.set()

    def subscriber_count(self) -> int:
        """Subscriber queues open in this process (each GraphQL subscription holds one)."""
        return sum(len(queues) for queues in self._queues.values())

    @contextlib.asynccontextmanager
    async def listen(self, location_id: int) -> AsyncIterator[asyncio.Queue[Delivery]]:
        queue: asyncio.Queue[Delivery] = asyncio.Queue(QUEUE_SIZE)
        self._queues[location_id].add(queue)
        try:
            yield queue
        finally:
            self._queues[location_id].discard(queue)
            if not self._queues[location_id]:
                del self._queues[location_id]

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        try:
            location_id = int(channel.decode()[len(self.prefix) :])
            delivery = Delivery(events.from_dict(json.loads(data)))
        except ValueError:  # json's and events.MalformedEvent
            log.warning("ignoring malformed event on %r", channel)
            return
        for queue in list(self._queues.get(location_id, ())):
            if queue.full():
                queue.get_nowait()  # drop the oldest; the display refetches anyway
            queue.put_nowait(delivery)

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                assert self._redis is not None
                pubsub = self._redis.pubsub()
                await pubsub.psubscribe(f"{self.prefix}*")
                self._subscribed.set()
                backoff = 0.1
                async for message in pubsub.listen():
                    if message["type"] == "pmessage":
                        self._dispatch(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                self._subscribed.clear()
                log.warning("event subscription lost; retrying in %.1fs", backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
