"""Limits over a real WebSocket: each operation is charged, subscriptions are capped per connection
and per API key, and refusals are GraphQL errors on the socket (the connection stays usable)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import redis.asyncio as aioredis
import websockets

from api.ratelimit import key_prefix
from domain.identity import api_keys
from domain.roles import Role
from tests.conftest import SETTINGS, TEST_REDIS_URL
from tests.support.processes import api_processes
from tests.support.units import new_uow

LIMITS = {
    "LEAFLEDGER_RATE_LIMITS": "on",
    "LEAFLEDGER_RATE_LIMIT_ADDRESS": "0",
    "LEAFLEDGER_RATE_LIMIT_USER": "4",
    "LEAFLEDGER_RATE_LIMIT_KEY": "0",
    "LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_CONNECTION": "2",
    "LEAFLEDGER_MAX_SUBSCRIPTIONS_PER_KEY": "1",
}
FLOOR = "subscription($loc: ID!) { floorStockChanged(locationId: $loc) { quantity } }"


class Socket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    async def send(self, op_id: str, query: str, variables: dict | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))

    async def answer(self, op_id: str) -> dict:
        """The first next/error message for ``op_id``."""
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 10))
            if message.get("id") == op_id and message["type"] in ("next", "error"):
                return message


async def _connect(url: str, params: dict) -> Any:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": params}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    return ws


async def _forget_buckets() -> None:
    client = aioredis.from_url(TEST_REDIS_URL)
    async for key in client.scan_iter(f"{key_prefix(SETTINGS)}*"):
        await client.delete(key)
    await client.aclose()


async def test_socket_operations_are_limited_with_graphql_errors(world):
    await _forget_buckets()
    created = await api_keys.create(
        new_uow(),
        world.as_(Role.ADMIN),
        api_keys.CreateApiKey(
            name="Floor display",
            scopes=frozenset({api_keys.Scope.READ_FLOOR_STOCK}),
            location_ids=frozenset({world.ca.location_id}),
        ),
    )
    loc = {"loc": str(world.ca.location_id)}
    with api_processes(2, LIMITS) as (api, other):
        # A budtender: connecting and three operations fit in 4 a minute, the fifth does not.
        budtender = f"Bearer {world.ca.token(Role.BUDTENDER)}"
        async with await _connect(api.ws, {"authorization": budtender}) as ws:
            socket = Socket(ws)
            for n in range(3):
                await socket.send(str(n), "{ me { email } }")
                assert (await socket.answer(str(n)))["type"] == "next"
            await socket.send("over", "{ me { email } }")
            refused = await socket.answer("over")
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused["payload"][0]["extensions"]["retryAfter"] >= 1

        # Two subscriptions per connection.
        manager = f"Bearer {world.ca.token(Role.MANAGER)}"
        async with await _connect(api.ws, {"authorization": manager}) as ws:
            socket = Socket(ws)
            await socket.send("a", FLOOR, loc)
            await socket.send("b", FLOOR, loc)
            await socket.send("c", FLOOR, loc)
            capped = await socket.answer("c")
        assert capped["type"] == "error"
        assert "limit" in capped["payload"][0]["message"].lower()

        # One subscription per key, whatever the connection or API process (a display
        # authenticates by key); closing the first frees its place.
        first = await _connect(api.ws, {"apiKey": created.secret})
        second = await _connect(other.ws, {"apiKey": created.secret})
        try:
            await Socket(first).send("1", FLOOR, loc)
            await asyncio.sleep(0.3)
            await Socket(second).send("2", FLOOR, loc)
            over_key = await Socket(second).answer("2")
            await first.close()
            await asyncio.sleep(0.5)
            await Socket(second).send("3", FLOOR, loc)
            with pytest.raises(TimeoutError):
                # A subscription sends nothing until stock changes: silence means it is open.
                await asyncio.wait_for(Socket(second).answer("3"), 1.5)
            # A revoked key starts nothing more on a socket it opened before.
            await api_keys.revoke(new_uow(), world.as_(Role.ADMIN), created.key_id)
            await Socket(second).send("4", "{ me { name } }")
            after_revoke = await Socket(second).answer("4")
        finally:
            await first.close()
            await second.close()
        assert over_key["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"
        assert after_revoke["type"] == "error"
        assert after_revoke["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
