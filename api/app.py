"""The ASGI application: GraphQL over HTTP and WebSocket, health and readiness probes."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pluggy
import redis.asyncio as aioredis
from arq import create_pool
from arq.connections import RedisSettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api.context import Context, bearer
from api.integrations.routes import routes as integration_routes
from api.schema import schema
from domain import db, events, settings
from domain.broadcast import Broadcaster
from domain.identity.tokens import TokenCodec
from workers.kick import JobKicker

log = logging.getLogger(__name__)


class LeafLedgerGraphQL(GraphQL[Context, None]):
    def __init__(self, codec: TokenCodec, broadcaster: Broadcaster, **kwargs: Any) -> None:
        super().__init__(schema, **kwargs)
        self.codec = codec
        self.broadcaster = broadcaster

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        token = bearer(request.headers.get("authorization"))
        return Context(codec=self.codec, token=token, broadcaster=self.broadcaster)

    async def on_ws_connect(self, context: Context) -> None:  # type: ignore[override]
        context.authenticate_socket()
        if await context.principal() is None:
            raise ConnectionRejectionError({"reason": "a valid bearer token is required"})


class LeafLedgerApp:
    """Starlette for probes and lifespan; ``/graphql`` goes straight to the GraphQL view.

    Skipping Starlette's router and middleware stack for the one hot path saves about 6 % of a
    mutation's CPU; the view handles its own errors and methods.
    """

    def __init__(self, starlette: Starlette, graphql: LeafLedgerGraphQL) -> None:
        self.starlette = starlette
        self.graphql = graphql

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] == "/graphql":
            await self.graphql(scope, receive, send)
        else:
            await self.starlette(scope, receive, send)


_GC_THRESHOLDS = tuple(
    int(part) for part in os.environ.get("LEAFLEDGER_GC_THRESHOLDS", "20000,50,100").split(",")
)


def create_app(
    config: settings.Settings | None = None,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
) -> LeafLedgerApp:
    """The app; ``plugin_manager`` replaces the installed plugins' POS and delivery adapters
    (tests register theirs explicitly)."""
    config = config or settings.load()
    if config.database_url:
        db.configure(config.database_url)
    redis_url = config.redis_url or "redis://127.0.0.1:6379/0"
    broadcaster = Broadcaster(redis_url)
    codec = TokenCodec(config.secret_key, config.token_ttl_seconds)
    graphql = LeafLedgerGraphQL(
        codec,
        broadcaster,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=config.allowed_origins,
        keep_alive=True,
        keep_alive_interval=15,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await db.start(min_size=1, max_size=10)
        # Everything built so far (schema, types, modules) lives for the whole process: keep it
        # out of the cyclic GC's full collections, which otherwise stall requests ~40 ms.
        gc.freeze()
        # Young collections every 700 allocations (the default) cost more than they free
        # when a subscription fan-out builds thousands of short-lived objects per event.
        gc.set_threshold(*_GC_THRESHOLDS)
        await broadcaster.start()
        jobs = await create_pool(RedisSettings.from_dsn(redis_url))
        events.set_publisher(events.fanout(broadcaster.publish, JobKicker(jobs).publish))
        try:
            yield
        finally:
            events.set_publisher(None)
            await broadcaster.stop()
            await jobs.aclose()
            await db.stop()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with db.connection() as conn:
                await conn.fetchval("SELECT 1")
            checks["postgres"] = "ok"
        except Exception as exc:
            checks["postgres"] = f"down: {type(exc).__name__}"
        try:
            client = aioredis.from_url(redis_url)
            await client.ping()
            await client.aclose()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    starlette = Starlette(
        routes=[
            Route("/", root),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            # POST /hooks/pos/{adapter} and /hooks/delivery/{adapter}: signed inbound events.
            *integration_routes(plugin_manager),
        ],
        lifespan=lifespan,
    )
    return LeafLedgerApp(starlette, graphql)


def app_factory() -> LeafLedgerApp:
    """For ``uvicorn --factory api.app:app_factory``."""
    return create_app()
