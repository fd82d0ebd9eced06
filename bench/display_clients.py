"""The client side of the live-display bench: floor displays on graphql-transport-ws, the Redis
fan-out baseline they are compared with, and the client's own GC pauses."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench import common

SUBSCRIPTION = """subscription($loc: ID!) { floorStockChanged(locationId: $loc) {
  movementId quantity productQuantity zone { kind } package { tag } } }"""
CONNECT_AT_ONCE = 50


def stats_ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50_ms": round(common.percentile(values, 50), 2),
        "p95_ms": round(common.percentile(values, 95), 2),
        "p99_ms": round(common.percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
    }


def latency_line(values: list[float]) -> str:
    if not values:
        return "no samples"
    p50, p95, p99 = (common.percentile(values, q) for q in (50, 95, 99))
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max(values):.1f} ms"


# --- Baseline: Redis pub/sub fan-out --------------------------------------------------------


async def redis_fanout(
    redis_url: str, subscribers: int, messages: int, spacing: float, size: int
) -> tuple[list[float], int]:
    """PUBLISH -> receipt latencies (ms) over every (subscriber, message), and how many missed."""
    channel = f"leafledger:bench:fanout:{uuid.uuid4().hex}"
    client = aioredis.from_url(redis_url, max_connections=subscribers + 8)
    sent: dict[int, float] = {}
    received: list[dict[int, float]] = [{} for _ in range(subscribers)]
    pubsubs = []
    for start in range(0, subscribers, CONNECT_AT_ONCE):
        batch = [client.pubsub() for _ in range(min(CONNECT_AT_ONCE, subscribers - start))]
        await asyncio.gather(*[p.subscribe(channel) for p in batch])
        pubsubs.extend(batch)

    async def listen(index: int, pubsub: Any) -> None:
        mine = received[index]
        async for message in pubsub.listen():
            now = time.perf_counter()
            if message["type"] == "message":
                mine[int(message["data"].split(b" ", 1)[0])] = now

    readers = [asyncio.create_task(listen(i, p)) for i, p in enumerate(pubsubs)]
    publisher = aioredis.from_url(redis_url)
    try:
        for _ in range(600):  # every subscription is registered before the first PUBLISH
            if (await publisher.pubsub_numsub(channel))[0][1] >= subscribers:
                break
            await asyncio.sleep(0.05)
        padding = b"x" * max(0, size - 12)
        begin = time.perf_counter()
        for n in range(messages):
            await asyncio.sleep(max(0.0, begin + n * spacing - time.perf_counter()))
            sent[n] = time.perf_counter()
            await publisher.publish(channel, str(n).encode() + b" " + padding)
        await settle(lambda: sum(len(r) for r in received), subscribers * messages)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
        for pubsub in pubsubs:
            await pubsub.aclose()
        await publisher.aclose()
        await client.aclose()
    latencies = [(at - sent[n]) * 1000 for r in received for n, at in r.items() if n in sent]
    return latencies, subscribers * messages - len(latencies)


async def settle(progress: Callable[[], int], goal: int, quiet: float = 3.0) -> None:
    """Until ``progress()`` reaches ``goal`` or stops moving for ``quiet`` seconds."""
    last, since = -1, time.monotonic()
    while True:
        now = progress()
        if now >= goal:
            return
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > quiet:
            return
        await asyncio.sleep(0.05)


# --- Displays: graphql-transport-ws subscribers ---------------------------------------------


@dataclass
class Display:
    """One floor display: a socket, a subscription, and when each movement's event arrived."""

    index: int
    received: dict[int, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    message_bytes: int = 0
    ws: ClientConnection | None = None

    async def open(self, url: str, token: str, location_id: int, compression: bool) -> None:
        self.ws = await connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            compression="deflate" if compression else None,
            ping_interval=None,
            open_timeout=60,
            max_queue=None,
        )
        await self.ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await self.ws.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"display {self.index}: {ack}")
        await self.ws.send(
            json.dumps(
                {
                    "id": "floor",
                    "type": "subscribe",
                    "payload": {"query": SUBSCRIPTION, "variables": {"loc": str(location_id)}},
                }
            )
        )

    async def listen(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                now = time.perf_counter()
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    if payload.get("errors"):
                        self.errors.append(str(payload["errors"])[:200])
                        continue
                    change = payload["data"]["floorStockChanged"]
                    self.received.setdefault(int(change["movementId"]), now)
                    self.message_bytes = len(raw)
                elif kind == "ping":
                    await self.ws.send('{"type":"pong"}')
                elif kind in ("error", "complete"):
                    self.errors.append(f"{kind}: {str(message)[:200]}")
        except ConnectionClosed as closed:
            self.errors.append(f"closed: {closed}")

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


class GcPauses:
    """This (client) process's garbage-collector pauses while active: a late event that
    coincides with none of them was late in the server."""

    def __init__(self) -> None:
        self.pauses_ms: list[float] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started:
            self.pauses_ms.append((time.perf_counter() - self._started) * 1000)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)
