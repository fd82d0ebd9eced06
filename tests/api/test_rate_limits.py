"""Rate limits per user, per key and per client address over HTTP, and the query-cost limit.

Each test builds its own app with low limits set explicitly (the suite turns the defaults off).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from api.ratelimit import key_prefix
from domain import settings
from domain.roles import Role
from tests.api.test_api_keys import CREATE
from tests.conftest import SETTINGS, TEST_REDIS_URL

ME = "{ me { email } }"
COSTLY = """query($loc: ID!) { packages(locationId: $loc, first: 100) { edges { node {
  tag movements(first: 100) { edges { node { id kind quantity } } } } } } }"""
AFFORDABLE = """query($loc: ID!) { packages(locationId: $loc, first: 10) { edges { node {
  tag movements(first: 10) { edges { node { id kind quantity } } } } } } }"""
BY_VARIABLE = """query($loc: ID!, $n: Int!) { packages(locationId: $loc, first: $n) { edges { node {
  tag movements(first: $n) { edges { node { id kind quantity } } } } } } }"""


@pytest.fixture
async def limited(clean_db: str) -> AsyncIterator[Callable[..., Any]]:
    """``await limited(**settings)`` gives an httpx client factory for an app with those limits."""
    from api.app import create_app

    client = aioredis.from_url(TEST_REDIS_URL)
    async for key in client.scan_iter(f"{key_prefix(SETTINGS)}*"):
        await client.delete(key)
    await client.aclose()
    opened: list[Any] = []

    async def make(**limits: int) -> Callable[[str], httpx.AsyncClient]:
        config = dataclasses.replace(
            settings.load(),
            **{"rate_limit_address": 0, "rate_limit_user": 0, "rate_limit_key": 0, **limits},
        )
        app = create_app(config)
        opened.append(app)

        def from_address(address: str = "10.0.0.1") -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(address, 5000))
            return httpx.AsyncClient(transport=transport, base_url="http://test")

        return from_address

    yield make
    for app in opened:
        await app.graphql.limiter.aclose()


async def _post(http: httpx.AsyncClient, query: str, variables=None, **headers) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def test_a_user_over_their_limit_gets_429_with_retry_after(limited, world):
    client = await limited(rate_limit_user=3)
    budtender = {"Authorization": f"Bearer {world.ca.token(Role.BUDTENDER)}"}
    async with client() as http:
        answers = [await _post(http, ME, **budtender) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        refused = answers[-1]
        assert 1 <= int(refused.headers["retry-after"]) <= 20
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another user of the same address has their own allowance.
        manager = {"Authorization": f"Bearer {world.ca.token(Role.MANAGER)}"}
        assert (await _post(http, ME, **manager)).json()["data"]["me"]["email"]


async def test_a_key_has_its_own_per_minute_limit(limited, world):
    client = await limited(rate_limit_key=1000, rate_limit_user=1000)
    admin = {"Authorization": f"Bearer {world.ca.token(Role.ADMIN)}"}
    async with client() as http:
        created = await _post(
            http,
            CREATE,
            {
                "input": {
                    "name": "Display",
                    "scopes": ["READ_FLOOR_STOCK"],
                    "locationIds": [str(world.ca.location_id)],
                    "rateLimitPerMinute": 2,
                }
            },
            **admin,
        )
        secret = created.json()["data"]["createApiKey"]["secret"]
        statuses = [(await _post(http, ME, **{"X-Api-Key": secret})).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


async def test_one_address_is_limited_without_slowing_another(limited, world):
    client = await limited(rate_limit_address=2)
    async with client("10.0.0.7") as noisy, client("10.0.0.8") as quiet:
        statuses = [(await _post(noisy, ME)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await _post(quiet, ME)).status_code == 200


async def test_a_query_that_would_fetch_too_many_rows_is_refused_before_it_runs(limited, world):
    client = await limited()
    token = {"Authorization": f"Bearer {world.ca.token(Role.MANAGER)}"}
    loc = {"loc": str(world.ca.location_id)}
    async with client() as http:
        refused = (await _post(http, COSTLY, loc, **token)).json()
        assert refused["data"] is None
        error = refused["errors"][0]
        assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert error["extensions"]["cost"] > error["extensions"]["limit"]
        assert "first:" in error["message"]
        # Variables are unknown when a document is validated: the largest page is assumed.
        by_variable = (await _post(http, BY_VARIABLE, {**loc, "n": 2}, **token)).json()
        assert by_variable["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
        allowed = (await _post(http, AFFORDABLE, loc, **token)).json()
        assert allowed["data"]["packages"]["edges"]
