"""``GET /exports/{report}.csv?location=…&month=…`` (or ``from``/``to``, or ``date``): the
bookkeeper's CSV exports, streamed.

Thin, like resolvers: authenticate the bearer token or API key exactly as ``/graphql`` does
(``api.context.identify``; the same rate limits, 429 with Retry-After), hand the location and
the query parameters to ``domain.exports.reports.open_export``, and stream its CSV.
Everything that can be refused is refused before the first byte: 401 no or bad credential,
403 no export grant at the location (an unknown location looks the same), 404 unknown report,
400 malformed parameters; the body of a refusal is a small JSON error, never part of a file.
docs/exports.md describes the columns.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from api.context import credential as credential_of
from api.context import identify
from api.ratelimit import RateLimiter, client_address
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.exports import reports
from domain.identity.tokens import TokenCodec

log = logging.getLogger(__name__)

MAX_LOCATION_ID = 2**31 - 1


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _location(request: Request) -> int | None:
    value = request.query_params.get("location", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        return None
    number = int(value)
    return number if 0 < number <= MAX_LOCATION_ID else None


def routes(codec: TokenCodec, limiter: RateLimiter | None = None) -> list[Route]:
    """The export endpoint; ``codec`` reads bearer tokens (``api.bootstrap``'s), ``limiter``
    charges each download to the same per-address and per-user budgets as ``/graphql``."""

    async def export(request: Request) -> Response:
        caller = await identify(codec, credential_of(request.headers))
        if limiter is not None and limiter.enabled:
            verdict = await limiter.check(client_address(dict(request.scope)), caller)
            if not verdict.allowed:
                response = _error(429, "rate_limited", verdict.message)
                response.headers["retry-after"] = str(verdict.retry_after)
                return response
        if caller.principal is None:
            return _error(401, "unauthenticated", "a valid bearer token or API key is required")
        try:
            report = reports.Report(request.path_params["report"])
        except ValueError:
            return _error(404, "unknown_report", f"reports: {', '.join(reports.Report)}")
        location_id = _location(request)
        if location_id is None:
            return _error(400, "malformed", "give ?location=<location id>")
        try:
            found = await reports.open_export(
                caller.principal, report, location_id, dict(request.query_params)
            )
        except PermissionDenied as denied:
            return _error(403, "forbidden", denied.message)
        except ValidationError as invalid:
            return _error(400, "malformed", invalid.message)
        except NotFound:
            return _error(403, "forbidden", "not allowed to export here")
        log.info(
            "user %s exports %s of location %s for %s",
            caller.principal.user_id,
            report,
            location_id,
            found.period.label,
        )
        return StreamingResponse(
            found.chunks(),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="{found.filename}"',
                "cache-control": "no-store",
            },
        )

    return [Route("/exports/{report}.csv", export, methods=["GET"])]
