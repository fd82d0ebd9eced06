"""The METRC double as an ASGI app: one pipeline in front of the endpoint handlers.

Why this module exists: it puts METRC's checks in the order a client meets them and records
every request. For each request:

1. validate against the published description (``validation.py``): the result is logged, and a
   violation is remembered even if something later answers first;
2. "down" mode → 503 IIS page;
3. rate limit (GETs, when switched on) → 429 with ``Retry-After``;
4. a programmed fault matching the request → its canned answer (a hang may first carry out the
   request);
5. unknown path / method → 404 / 405;
6. HTTP Basic auth, username = vendor (integrator) key, password = user key → 401;
7. invalid request → 400 ``[{"row", "message"}]`` (415 for a non-JSON content type);
8. ``licenseNumber`` not one of the user's facilities → 401 (the yaml: "if the Package is not valid
   for the specified License Number, a 401 Unauthorized status will be returned"); a permission
   the test denied → 403;
9. the handler; a refused write → 400 row errors, nothing applied. With an answer mode set
   (``generated.py``), a scripted answer drawn from the description replaces the handler's.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .description import HTTP_METHODS
from .faults import FaultKind, Faults, unavailable
from .handlers import HANDLERS, Call, Denied, NotFound
from .present import DoubleSettings
from .requestlog import LoggedRequest, RequestLog
from .rules import Refused
from .state import MetrcState
from .validation import Checked, RequestValidator, RowError

DENIED = "Authorization has been denied for this request."
logger = logging.getLogger(__name__)


@dataclass
class _Outcome:
    violation: bool
    errors: list[str] = field(default_factory=list)
    fault: str | None = None
    crashed: bool = False


def _basic_auth(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    vendor_key, sep, user_key = decoded.partition(":")
    return (vendor_key, user_key) if sep else None


def _message(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"Message": text}, status_code=status, headers=headers)


def _rows(errors: list[RowError]) -> Response:
    return JSONResponse([e.as_json() for e in errors], status_code=400)


def _logged_body(response: Response) -> Any:
    body = bytes(getattr(response, "body", b"") or b"")
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    if (response.media_type or "").startswith("application/json"):
        return json.loads(text)
    return text


class MetrcDoubleApp:
    def __init__(
        self,
        state: MetrcState,
        faults: Faults,
        log: RequestLog,
        settings: DoubleSettings,
        validator: RequestValidator,
    ) -> None:
        self.state = state
        self.faults = faults
        self.log = log
        self.settings = settings
        self.validator = validator
        # Set to a ``generated.GeneratedAnswers`` to answer from the description's schemas.
        self.answers: Any = None
        # Requests between arrival and their log line: ``reset`` waits for these so a request
        # woken from a hang does not log itself into the next test's fresh log.
        self.in_flight = 0

    async def endpoint(self, request: Request) -> Response:
        self.in_flight += 1
        try:
            return await self._logged(request)
        finally:
            self.in_flight -= 1

    async def _logged(self, request: Request) -> Response:
        arrived, started = time.time(), time.monotonic()
        body = await request.body()
        query = request.query_params.multi_items()
        content_type = request.headers.get("content-type")
        checked = self.validator.check(request.method, request.url.path, query, body, content_type)
        outcome = _Outcome(not checked.valid, [e.message for e in checked.errors])
        try:
            response = await self._answer(request, checked, outcome)
        except Exception as error:  # a bug in the double: answer like IIS would, and log it
            logger.exception("the METRC double crashed on %s %s", request.method, request.url.path)
            outcome.errors.append(f"the double crashed: {error!r}")
            outcome.crashed = True
            response = _message(500, "An error has occurred.")
        self.log.append(
            LoggedRequest(
                method=request.method,
                path=request.url.path,
                query=dict(query),
                body=checked.raw_body,
                status=response.status_code,
                timestamp=arrived,
                duration=time.monotonic() - started,
                operation_id=checked.operation.operation_id if checked.operation else None,
                violation=outcome.violation,
                errors=tuple(outcome.errors),
                fault=outcome.fault,
                crashed=outcome.crashed,
                response=_logged_body(response),
            )
        )
        return response

    async def _answer(self, request: Request, checked: Checked, outcome: _Outcome) -> Response:
        if self.faults.is_down:
            outcome.fault = "down"
            return unavailable()
        credentials = _basic_auth(request)
        limiter = self.faults.rate_limiter
        facility = next(
            (v for k, v in request.query_params.multi_items() if k.lower() == "licensenumber"), ""
        )
        if limiter is not None and request.method == "GET":
            retry_after = limiter.acquire(facility, credentials[0] if credentials else "")
            if retry_after is not None:
                outcome.fault = "rate-limit"
                return _message(
                    429,
                    f"Too many requests. Retry after {retry_after} second(s).",
                    {"Retry-After": str(retry_after)},
                )
        try:
            fault = self.faults.take(request.method, request.url.path)
            if fault is None:
                return self._process(checked, credentials, outcome)
            outcome.fault = fault.kind.value
            if fault.kind is FaultKind.REWRITE:
                return fault.rewritten(self._process(checked, credentials, outcome))
            if fault.kind is not FaultKind.HANG:
                return fault.response()
            response = self._process(checked, credentials, outcome) if fault.apply else None
            await self.faults.sleep(fault.seconds)
            return response or unavailable()
        finally:
            if limiter is not None and request.method == "GET":
                limiter.release(facility)

    def _process(
        self, checked: Checked, credentials: tuple[str, str] | None, outcome: _Outcome
    ) -> Response:
        if checked.status == 404:
            return _message(404, f"No HTTP resource was found: {checked.errors[0].message}")
        if checked.status == 405:
            allow = ", ".join(checked.allowed)
            return _message(405, checked.errors[0].message, {"Allow": allow})
        licenses = self.state.licenses_for(*credentials) if credentials else None
        if credentials is None or licenses is None:
            return _message(401, DENIED)
        if checked.status == 415:
            return _message(415, checked.errors[0].message)
        if not checked.valid:
            return _rows(checked.errors)
        operation = checked.operation
        assert operation is not None
        license_number = checked.query.get("licenseNumber")
        if license_number is not None:
            if license_number not in licenses:
                return _message(401, DENIED)
            if self.state.is_denied(license_number, operation.operation_id):
                return _message(403, f"No permission for {operation.operation_id}.")
        generated = self.answers.take(operation.operation_id) if self.answers else None
        if generated is not None:
            outcome.fault = "generated"
            return generated.response()
        handler = HANDLERS.get(operation.operation_id)
        if handler is None:
            text = f"The METRC double does not model {operation.operation_id}."
            outcome.errors.append(text)
            return _message(501, text)
        call = Call(checked, self.state, self.settings, licenses, credentials[1])
        try:
            return handler(call)
        except Refused as refusal:
            outcome.violation = outcome.violation or refusal.violation
            outcome.errors.extend(e.message for e in refusal.errors)
            return _rows(refusal.errors)
        except NotFound as missing:
            return _message(404, str(missing))
        except Denied as denied:
            return _message(401, str(denied))


def create_app(
    state: MetrcState | None = None,
    faults: Faults | None = None,
    log: RequestLog | None = None,
    *,
    settings: DoubleSettings | None = None,
    validator: RequestValidator | None = None,
) -> Starlette:
    """A Starlette app serving the double; the parts are reachable as ``app.state.metrc``."""
    double = MetrcDoubleApp(  # "is None": an empty RequestLog is falsy
        MetrcState() if state is None else state,
        Faults() if faults is None else faults,
        RequestLog() if log is None else log,
        DoubleSettings() if settings is None else settings,
        RequestValidator() if validator is None else validator,
    )
    app = Starlette(routes=[Route("/{path:path}", double.endpoint, methods=list(HTTP_METHODS))])
    app.state.metrc = double
    return app
