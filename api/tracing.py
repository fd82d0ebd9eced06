"""OpenTelemetry tracing, optional: ``pip install leafledger[otel]`` and ``LEAFLEDGER_OTEL=1``.

Off (the default) or not installed, nothing here imports OpenTelemetry and the app is returned
as it is. On, every HTTP request and WebSocket gets a server span (continuing a caller's W3C
``traceparent``) and every asyncpg query a client span beneath it, sent by the OTLP/HTTP exporter
to wherever the standard ``OTEL_EXPORTER_OTLP_*`` variables say (default
``http://localhost:4318``); ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` name the
process.

The ASGI and asyncpg instrumentations are written here rather than taken from
``opentelemetry-instrumentation-*``: those packages are not available to every install, and a
server span per request plus a span per query is all an operator needs to see where a slow
mutation spent its time.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING, Any

from domain import settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

log = logging.getLogger(__name__)

# The asyncpg methods piccolo and the domain call; each becomes one span.
_QUERY_METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval")
# A statement longer than this is cut in the span (the batch inserts of an import are long).
_STATEMENT_CHARS = 2000
_originals: dict[str, Any] = {}


def instrument(app: Any, config: settings.Settings, provider: TracerProvider | None = None) -> Any:
    """``app`` traced when ``config.otel`` is on and OpenTelemetry is installed, else ``app``.

    ``provider`` replaces the OTLP-exporting one (tests give one with an in-memory exporter);
    only the one built here becomes the process's global provider.
    """
    if not config.otel:
        return app
    try:
        from opentelemetry import trace
    except ImportError:
        log.warning("LEAFLEDGER_OTEL is on but OpenTelemetry is not installed: leafledger[otel]")
        return app
    if provider is None:
        provider = _otlp_provider()
        trace.set_tracer_provider(provider)
    tracer = provider.get_tracer("leafledger")
    _instrument_asyncpg(tracer)
    return TracedApp(app, tracer)


def uninstrument() -> None:
    """Puts asyncpg's own methods back (tests that traced one app)."""
    import asyncpg

    for name, method in _originals.items():
        setattr(asyncpg.Connection, name, method)
    _originals.clear()


def _otlp_provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES over this default.
    provider = TracerProvider(resource=Resource.create({"service.name": "leafledger-api"}))
    # Batched off the request path; the exporter reads the OTEL_EXPORTER_OTLP_* variables.
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def _instrument_asyncpg(tracer: Tracer) -> None:
    import asyncpg
    from opentelemetry.trace import SpanKind

    for name in _QUERY_METHODS:
        if name in _originals:
            continue
        original = getattr(asyncpg.Connection, name)
        _originals[name] = original

        def traced(original: Any = original, name: str = name) -> Any:
            @functools.wraps(original)
            async def method(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                # Parameters are bound separately and never recorded: only the statement text.
                attributes = {
                    "db.system": "postgresql",
                    "db.operation": name,
                    "db.statement": str(query)[:_STATEMENT_CHARS],
                }
                with tracer.start_as_current_span(
                    f"postgresql {name}", kind=SpanKind.CLIENT, attributes=attributes
                ):
                    return await original(self, query, *args, **kwargs)

            return method

        setattr(asyncpg.Connection, name, traced())


class TracedApp:
    """One server span around each HTTP request or WebSocket of the wrapped ASGI app."""

    def __init__(self, app: Any, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    def __getattr__(self, name: str) -> Any:
        # The CLI and tests reach the app's deps and graphql view through the wrapper.
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        from opentelemetry import propagate
        from opentelemetry.trace import SpanKind, Status, StatusCode

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope.get("method", "WEBSOCKET") if scope["type"] == "http" else "WEBSOCKET"
        path = scope.get("path", "")
        attributes = {"http.request.method": method, "url.path": path}
        with self.tracer.start_as_current_span(
            f"{method} {path}",
            context=propagate.extract(headers),
            kind=SpanKind.SERVER,
            attributes=attributes,
        ) as span:

            async def traced_send(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, traced_send)
