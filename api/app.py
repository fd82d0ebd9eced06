"""The ASGI application: GraphQL over HTTP and WebSocket, health and readiness probes."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pluggy
import redis.asyncio as aioredis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api import logs, metrics, outage, tracing
from api.body_limit import BodyLimit
from api.bootstrap import Deps, bootstrap, running
from api.context import Caller, Context, credential
from api.display.page import routes as display_routes
from api.exports.routes import routes as export_routes
from api.graphiql import assets as graphiql
from api.integrations.routes import routes as integration_routes
from api.packet.routes import routes as packet_routes
from api.ratelimit import LimitedTransportWSHandler, RateLimiter, admit_http, client_address
from api.schema import schema
from domain import db, settings
from domain.broadcast import Broadcaster
from domain.identity.tokens import TokenCodec
from domain.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class LeafLedgerGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LimitedTransportWSHandler

    def __init__(
        self,
        codec: TokenCodec,
        broadcaster: Broadcaster,
        introspection: str = "signed-in",
        limiter: RateLimiter | None = None,
        refresh_ttl: int = 30 * 24 * 3600,
        units: UnitOfWorkFactory | None = None,
        graphiql_assets: str = "local",
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self.graphiql_assets = graphiql_assets
        self.codec = codec
        self.broadcaster = broadcaster
        self.introspection = introspection
        self.limiter = limiter
        self.refresh_ttl = refresh_ttl
        self.units = units

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Rate limits before the body is read: a throttled client costs one Redis round trip.
        if scope["type"] == "http" and self.limiter is not None:
            try:
                admitted = await admit_http(self.limiter, self.codec, scope, send)
            except Exception as error:
                if not outage.is_outage(error):
                    raise
                log.warning("answered 503: %s", outage.describe(error))
                await outage.send_unavailable(send)
                return
            if not admitted:
                return
        await super().__call__(scope, receive, send)

    async def render_graphql_ide(self, request: Any) -> Response:
        if self.graphiql_assets == "cdn":
            return await super().render_graphql_ide(request)
        page = graphiql.local_page()
        if page is None:
            return HTMLResponse(graphiql.MISSING_PAGE, status_code=503)
        return HTMLResponse(page)

    async def get_sub_response(self, request: Any) -> Any:
        # Kept on the request so process_result can turn an outage into a 503 with Retry-After.
        sub_response = await super().get_sub_response(request)
        request.scope.setdefault("state", {})["leafledger.sub_response"] = sub_response
        return sub_response

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            # An exception raised in an extension's hook (before or around execution) leaves
            # the operation before MaskErrors runs: mask it here, the same way.
            result.errors = [outage.masked(e) for e in result.errors]
        if result.errors and any(outage.is_outage(e) for e in result.errors):
            result.errors = [
                outage.outage_error(e) if outage.is_outage(e) else e for e in result.errors
            ]
            sub_response = request.scope.get("state", {}).get("leafledger.sub_response")
            if sub_response is not None:
                sub_response.status_code = 503
                sub_response.headers["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
        return await super().process_result(request, result)

    async def get_context(self, request: Any, response: Any) -> Context:
        caller = request.scope.get("state", {}).get("leafledger.caller")
        return Context(
            codec=self.codec,
            token=credential(request.headers),
            broadcaster=self.broadcaster,
            introspection=self.introspection,
            address=client_address(request.scope),
            caller=caller if isinstance(caller, Caller) else None,
            refresh_ttl=self.refresh_ttl,
            units=self.units,
            client=(request.headers.get("user-agent") or "")[:200] or None,
        )

    async def on_ws_connect(self, context: Context) -> None:
        context.authenticate_socket()
        if await context.principal() is None:
            raise ConnectionRejectionError(
                {"reason": "a valid bearer token or API key is required"}
            )
        if self.limiter is not None:
            verdict = await self.limiter.check(context.address, await context.identify())
            if not verdict.allowed:
                raise ConnectionRejectionError({"reason": verdict.message})


class LeafLedgerApp:
    """Starlette for probes and lifespan; ``/graphql`` goes straight to the GraphQL view.

    Skipping Starlette's router and middleware stack for the one hot path saves about 6 % of a
    mutation's CPU; the view handles its own errors and methods.
    """

    def __init__(
        self, starlette: Starlette, graphql: LeafLedgerGraphQL, max_body_bytes: int = 1 << 20
    ) -> None:
        self.starlette = starlette
        self.graphql = graphql
        self.deps: Deps | None = None
        # Every HTTP body, GraphQL or webhook, is size-checked before anything parses it.
        self._http = BodyLimit(self._route, max_body_bytes)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._route(scope, receive, send)
            return
        # One id per request or socket, in every log line it causes (api.logs), answered back.
        request_id = logs.request_id(scope.get("headers", []))
        tokens = logs.bind_request(request_id)
        try:
            if scope["type"] == "http":
                header = (logs.REQUEST_ID_HEADER.encode(), request_id.encode())

                async def send_with_id(message: Any) -> None:
                    if message["type"] == "http.response.start":
                        message["headers"] = [*message.get("headers", []), header]
                    await send(message)

                await self._http(scope, receive, send_with_id)
            else:
                await self._route(scope, receive, send)
        finally:
            logs.unbind(tokens)

    async def _route(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] == "/graphql":
            await self.graphql(scope, receive, send)
        else:
            await self.starlette(scope, receive, send)


def create_app(
    config: settings.Settings | None = None,
    *,
    plugin_manager: pluggy.PluginManager | None = None,
) -> LeafLedgerApp:
    """The app; ``plugin_manager`` replaces the installed plugins (tests register their
    adapters explicitly): the webhook routes and the domain see the same registry."""
    deps = bootstrap(config or settings.load(), plugin_manager=plugin_manager)
    config = deps.settings
    redis_url = config.redis
    broadcaster = deps.broadcaster
    limiter = RateLimiter(redis_url, config)
    graphql = LeafLedgerGraphQL(
        deps.codec,
        broadcaster,
        introspection=config.introspection,
        limiter=limiter,
        refresh_ttl=config.refresh_ttl_seconds,
        units=deps.units,
        graphiql_assets=config.graphiql_assets,
        max_subscriptions_per_connection=config.max_subscriptions_per_connection or None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=config.allowed_origins,
        keep_alive=True,
        keep_alive_interval=15,
        connection_init_wait_timeout=timedelta(seconds=config.ws_init_timeout_seconds),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Everything built so far (schema, types, modules) lives for the whole process: keep it
        # out of the cyclic GC's full collections, which otherwise stall requests ~40 ms.
        gc.freeze()
        # Young collections every 700 allocations (the default) cost more than they free
        # when a subscription fan-out builds thousands of short-lived objects per event.
        gc.set_threshold(*config.gc_thresholds)
        try:
            async with running(deps, pool_size=(1, 10)):
                yield
        finally:
            await limiter.aclose()

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            await db.ping()
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
            *integration_routes(deps.registry, deps.units),
            # GET /display/{locationId}?key=…: the floor display page for a store's TV.
            *display_routes(),
            # GraphiQL's scripts and styles, served here rather than from a CDN.
            Route("/graphiql/vendor/{name:path}", graphiql.serve),
            Route("/metrics", metrics.endpoint(config.metrics_token, broadcaster.subscriber_count)),
            # GET /exports/{report}.csv: the bookkeeper's CSVs, streamed, same credentials.
            *export_routes(deps.codec, limiter),
            # GET /audit-packets/{id}/download?token=: a signed link, and the caller's grant.
            *packet_routes(deps.codec),
        ],
        lifespan=lifespan,
    )
    app = LeafLedgerApp(starlette, graphql, config.max_body_bytes)
    app.deps = deps
    return app


def app_factory() -> Any:
    """For ``uvicorn --factory api.app:app_factory`` (each uvicorn worker process); traced when
    ``LEAFLEDGER_OTEL`` is on (``create_app``, which the tests use, never is)."""
    config = settings.load()
    logs.configure(json_lines=config.log_format == "json", level=config.log_level)
    return tracing.instrument(create_app(config), config)
