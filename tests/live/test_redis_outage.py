"""Redis goes away under a store: stock still moves and staff still sign in (the truth is in
PostgreSQL; rate limits and the sign-in throttle are skipped, logged), nothing answers
"Unexpected error.", ``/readyz`` names Redis, and when Redis is back the API recovers by itself:
ready again, and a floor display's subscription sees a restock.

Runs on a throwaway redis-server of its own (SIGKILLed and restarted on the same port); the
database is the test database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from domain.roles import Role
from tests.api.queries import LOGIN, TRANSFER, transfer_input
from tests.support.processes import api_processes, free_port
from tests.support.world import PASSWORD

FLOOR = """
    subscription($loc: ID!) {
      floorStockChanged(locationId: $loc) { quantity package { tag } }
    }
"""
PACKAGE = """query($loc: ID!, $tag: String!) {
  package(locationId: $loc, tag: $tag) { balances { quantity zone { kind } } }
}"""
STEP = "0.1"

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")


class ThrowawayRedis:
    """A redis-server on a port of its own, killed and restarted by the test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.folder)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Up when it answers PING (a bounded wait, not an assertion on speed).
        for _ in range(200):
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            if self.process.poll() is not None:
                raise RuntimeError("redis-server exited")
            time.sleep(0.05)
        raise TimeoutError("redis-server did not answer")

    def crash(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def throwaway_redis(folder: Path) -> Iterator[ThrowawayRedis]:
    redis = ThrowawayRedis(folder)
    redis.start()
    try:
        yield redis
    finally:
        if redis.process is not None and redis.process.poll() is None:
            redis.crash()


async def _post(http: httpx.AsyncClient, query: str, variables: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    return await http.post("/graphql", json=body, headers=headers)


async def _transfer(http: httpx.AsyncClient, world, token: str) -> httpx.Response:
    return await _post(http, TRANSFER, {"input": transfer_input(world, STEP)}, token)


async def _floor(http: httpx.AsyncClient, world, token: str) -> Decimal:
    answer = await _post(http, PACKAGE, {"loc": str(world.ca.location_id), "tag": world.tag}, token)
    balances = answer.json()["data"]["package"]["balances"]
    return sum(
        (Decimal(b["quantity"]) for b in balances if b["zone"]["kind"] == "SALES_FLOOR"),
        Decimal(0),
    )


async def _until_ready(http: httpx.AsyncClient) -> httpx.Response:
    """``/readyz`` until it says ready (or gives up after a generous while)."""
    answer = await http.get("/readyz")
    for _ in range(300):
        if answer.status_code == 200:
            break
        await asyncio.sleep(0.1)
        answer = await http.get("/readyz")
    return answer


@pytest.mark.slow
async def test_with_redis_gone_stock_still_moves_and_the_api_recovers_when_it_returns(
    world, tmp_path
):
    email = f"{Role.INVENTORY_LEAD.value}@greenleaf.test"  # the world's CA store
    with throwaway_redis(tmp_path) as redis:
        env = {
            "LEAFLEDGER_REDIS_URL": redis.url,
            "LEAFLEDGER_REDIS_PREFIX": f"redis-outage-{os.getpid()}:",
            # Rate limits on (the suite turns them off): they must not refuse while Redis is away.
            "LEAFLEDGER_RATE_LIMITS": "on",
        }
        with api_processes(1, env) as (api,):
            async with httpx.AsyncClient(base_url=api.http, timeout=10) as http:
                login = await _post(http, LOGIN, {"email": email, "password": PASSWORD})
                token = login.json()["data"]["login"]["token"]
                before = await _transfer(http, world, token)
                floor_before = await _floor(http, world, token)

                redis.crash()
                during = [await _transfer(http, world, token) for _ in range(3)]
                floor_during = await _floor(http, world, token)
                login_during = await _post(http, LOGIN, {"email": email, "password": PASSWORD})
                not_ready = await http.get("/readyz")

                redis.start()
                ready = await _until_ready(http)
                seen = await _restock_seen_by_a_display(api, http, world, token)
                floor_after = await _floor(http, world, token)

    assert before.json()["data"]["transferStock"]["__typename"] == "StockMovedPayload"
    # Redis away: every transfer committed and the ledger shows each.
    for answer in during:
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["transferStock"]["__typename"] == "StockMovedPayload"
    assert floor_during - floor_before == 3 * Decimal(STEP)
    # Sign-in still works: its throttle, like the rate limits, is skipped (and logged).
    assert login_during.status_code == 200, login_during.text
    assert login_during.json()["data"]["login"]["__typename"] == "LoginPayload"
    for answer in [*during, login_during]:
        assert "Unexpected error" not in answer.text
    assert not_ready.status_code == 503
    assert not_ready.json()["redis"].startswith("down")
    assert not_ready.json()["postgres"] == "ok"
    # Redis back: ready without a restart, and live updates flow again.
    assert ready.status_code == 200, ready.text
    assert seen["package"] == {"tag": world.tag}
    assert floor_after > floor_during


async def _restock_seen_by_a_display(api, http: httpx.AsyncClient, world, token: str) -> dict:
    """Subscribe as a floor display, then restock until the display sees one (the socket may
    still be subscribing when the first restock is published)."""
    transport = WebsocketsTransport(
        url=api.ws,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        init_payload={"authorization": f"Bearer {world.ca.token(Role.BUDTENDER)}"},
    )
    async with Client(transport=transport) as session:
        received: asyncio.Queue[dict] = asyncio.Queue()

        async def listen() -> None:
            request = GraphQLRequest(FLOOR, variable_values={"loc": str(world.ca.location_id)})
            async for result in session.subscribe(request):
                await received.put(result["floorStockChanged"])

        listener = asyncio.create_task(listen())
        try:
            for _ in range(20):
                answer = await _transfer(http, world, token)
                assert answer.json()["data"]["transferStock"]["__typename"] == "StockMovedPayload"
                with contextlib.suppress(TimeoutError):
                    return await asyncio.wait_for(received.get(), timeout=0.5)
        finally:
            listener.cancel()
    raise AssertionError("the floor display never saw a restock after Redis came back")
