"""The inbound webhook endpoints: ``POST /hooks/pos/{adapter}``, ``/hooks/delivery/{adapter}`` and
``/hooks/access/{adapter}`` (door and badge systems).

Thin, like resolvers: find the adapter, read the location and the (bounded) body, hand them to
``domain.integrations.ingest`` and present its answer as JSON. Status codes (docs/integrations.md):
200 per-event results (applied, refused with a typed reason, or duplicate); 409 every event was
already received; 401 missing, bad or stale signature; 403 the acting user may not sell there;
404 unknown adapter or no active connection; 400 malformed; 413 too large. Bad input is never a
500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.diversion import webhook
from domain.integrations import ingest
from domain.integrations.tables import IntegrationKind
from domain.unit_of_work import UnitOfWorkFactory
from plugins.integrations import ACCESS_ADAPTERS
from plugins.registry import Registry

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
MAX_LOCATION_ID = 2**31 - 1

STATUS: dict[ingest.Refusal, int] = {
    ingest.Refusal.NO_CONNECTION: 404,
    ingest.Refusal.SIGNATURE_MISSING: 401,
    ingest.Refusal.BAD_SIGNATURE: 401,
    ingest.Refusal.STALE_SIGNATURE: 401,
    ingest.Refusal.MALFORMED: 400,
    ingest.Refusal.ACTING_USER: 403,
}


class _TooLarge(Exception):
    pass


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _location(request: Request) -> int | None:
    value = request.query_params.get("location", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        return None
    number = int(value)
    return number if 0 < number <= MAX_LOCATION_ID else None


async def _body(request: Request) -> bytes:
    """The raw body (signatures cover its exact bytes), refused past ``MAX_BODY_BYTES``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _location_and_body(request: Request) -> tuple[int, bytes] | JSONResponse:
    """The ``?location=`` id and the (bounded) body every hook reads, or the error answer."""
    location_id = _location(request)
    if location_id is None:
        return _error(400, "malformed", "give ?location=<location id>")
    try:
        return location_id, await _body(request)
    except _TooLarge:
        return _error(413, "too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    except ClientDisconnect:
        # The sender left mid-body: nothing was ingested and nobody reads an answer.
        return _error(400, "disconnected", "the client left before sending the body")


def _present(ingested: ingest.Ingested) -> JSONResponse:
    if ingested.all_duplicates:
        return JSONResponse({"status": "duplicate", "results": ingested.results}, status_code=409)
    return JSONResponse({"status": "ok", "results": ingested.results})


def routes(plugins: Registry, units: UnitOfWorkFactory) -> list[Route]:
    """The two endpoints, finding adapters in the process's registry (``api.bootstrap``)."""

    def endpoint(kind: IntegrationKind) -> Callable[[Request], Any]:
        adapters: Mapping[str, Any] = (
            plugins.pos_adapters if kind == IntegrationKind.POS else plugins.delivery_adapters
        )

        async def hook(request: Request) -> JSONResponse:
            name = request.path_params["adapter"]
            adapter = adapters.get(name)
            if adapter is None:
                return _error(404, "unknown_adapter", f"no {kind} adapter named {name!r}")
            read = await _location_and_body(request)
            if isinstance(read, JSONResponse):
                return read
            location_id, body = read
            ingest_ = ingest.ingest_pos if kind == IntegrationKind.POS else ingest.ingest_delivery
            try:
                ingested = await ingest_(units, adapter, location_id, request.headers, body)
            except ingest.WebhookRefused as refused:
                log.info(
                    "%s webhook for %s at location %s refused: %s (%s)",
                    kind,
                    name,
                    location_id,
                    refused.refusal,
                    refused.message,
                )
                return _error(STATUS[refused.refusal], str(refused.refusal), refused.message)
            return _present(ingested)

        return hook

    async def access_hook(request: Request) -> JSONResponse:
        name = request.path_params["adapter"]
        if name not in ACCESS_ADAPTERS:
            return _error(404, "unknown_adapter", f"no access adapter named {name!r}")
        read = await _location_and_body(request)
        if isinstance(read, JSONResponse):
            return read
        location_id, body = read
        try:
            saved = await webhook.ingest_access(units, name, location_id, request.headers, body)
        except ingest.WebhookRefused as refused:
            return _error(STATUS[refused.refusal], str(refused.refusal), refused.message)
        return JSONResponse({"status": "ok", **saved})

    return [
        Route("/hooks/access/{adapter}", access_hook, methods=["POST"]),
        Route("/hooks/pos/{adapter}", endpoint(IntegrationKind.POS), methods=["POST"]),
        Route("/hooks/delivery/{adapter}", endpoint(IntegrationKind.DELIVERY), methods=["POST"]),
    ]
