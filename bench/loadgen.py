"""A minimal keep-alive HTTP/1.1 load generator for POSTing GraphQL.

httpx spends about a millisecond of CPU per request; on a 2-core machine that is CPU taken from
the server being measured. This client writes pre-encoded requests on raw asyncio streams and
parses only the status line, headers and Content-Length body, so nearly all CPU goes to the
server and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0


class KeepAliveClient:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path or "/graphql"
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{self.extra}\r\n"
        ).encode()
        self.writer.write(head + body)
        status = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length)
        if not status.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"{status!r}: {data[:200]!r}")
        return json.loads(data)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def run(
    url: str,
    headers: dict[str, str],
    make_payload: Callable[[int], dict[str, Any]],
    *,
    clients: int,
    seconds: float,
    keep_bodies: bool = False,
) -> Result:
    """``clients`` connections each POSTing back-to-back for ``seconds``."""
    result = Result()
    counter = iter(range(10**12))
    deadline = time.monotonic() + seconds

    async def client() -> None:
        connection = KeepAliveClient(url, headers)
        await connection.open()
        try:
            while time.monotonic() < deadline:
                payload = make_payload(next(counter))
                started = time.perf_counter()
                body = await connection.post(payload)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if keep_bodies:
                    result.bodies.append(body)
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*[client() for _ in range(clients)])
    result.elapsed_s = time.monotonic() - started
    return result
