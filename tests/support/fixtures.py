"""Fixtures for talking to the API in-process (httpx over ASGI) with the real lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from domain import events


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
async def api(clean_db: str) -> AsyncIterator[GraphQLClient]:
    """The real app; its lifespan is skipped (the suite owns the pool), the broadcaster runs."""
    from api.app import create_app
    from domain import settings

    app = create_app(settings.load())
    broadcaster = app.graphql.broadcaster
    await broadcaster.start()
    events.set_publisher(broadcaster.publish)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(http)
    finally:
        events.set_publisher(None)
        await broadcaster.stop()
