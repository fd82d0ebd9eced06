"""The BioTrack double's HTTP face: one POST endpoint dispatching on ``action``, like serverjson.

Why this module exists: BioTrack's legacy v4 API is a single URL per state taking JSON POSTs
``{"action": ..., "API": "4.0", "sessionid": ..., "nonce": ..., ...}`` and answering HTTP 200
with ``success`` 1 or 0 [c]. This module ties the pieces together for each request: outage and
fault checks (``faults.py``), envelope and field validation (``validation.py``), the session,
duplicate-nonce handling, the action itself (``actions.py``) and the request log (``log.py``).

Request order: down(503) -> parse -> fault drawn -> envelope -> session (login: credentials)
-> nonce_replay / duplicate nonce -> fields -> action -> nonce stored (successful writes only:
the v4 docs say replay data exists only for requests that returned a transaction id [s]).
Bodies are parsed whatever the Content-Type (BioTrack clients send ``text/JSON``) [s].
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .actions import INVENTORY_HANDLERS
from .codes import ApiError, ErrorCode
from .faults import Fault, Faults
from .log import LogEntry, RequestLog
from .sales import SALE_HANDLERS
from .state import BioTrackState
from .validation import ACTIONS, Envelope, check_envelope, check_fields

DEFAULT_PATH = "/serverjson.asp"
HANDLERS = {**INVENTORY_HANDLERS, **SALE_HANDLERS}


@dataclass
class Outcome:
    response: dict[str, Any]
    action: str | None = None
    nonce: str | None = None
    sessionid: str | None = None
    license_number: str | None = None
    applied: bool = False
    replayed: bool = False
    invalid: bool = False
    notes: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)


@dataclass
class AnswerSlot:
    """Where a test puts an answer mode (``generated.GeneratedAnswers``); None is realistic.
    Shared by the apps a handle starts, like ``state`` (an outage restarts the app)."""

    mode: Any = None


def fingerprint(body: dict[str, Any]) -> str:
    """A request minus what legitimately changes on a retry (session, nonce)."""
    kept = {k: v for k, v in body.items() if k not in ("sessionid", "nonce")}
    return json.dumps(kept, sort_keys=True, default=str)


def process(state: BioTrackState, body: Any, fault: Fault | None) -> Outcome:
    """Everything but HTTP: validate, authenticate, dedupe, apply. Holds the state lock."""
    try:
        env = check_envelope(body, state.config)
    except ApiError as error:
        return Outcome(
            error.body(),
            action=_str_of(body, "action"),
            nonce=_str_of(body, "nonce"),
            sessionid=_str_of(body, "sessionid"),
            invalid=True,
        )
    out = Outcome({}, env.action, env.nonce, env.sessionid)
    with state.lock:
        try:
            _authenticated(state, env, fault, out)
        except ApiError as error:
            out.response = error.body()
            out.invalid = out.invalid or error.code == ErrorCode.SESSION_INVALID
        return out


def _authenticated(state: BioTrackState, env: Envelope, fault: Fault | None, out: Outcome) -> None:
    config = state.config
    if env.action == "login":
        fields = _fields(state, env, out)
        session = state.login(fields["license_number"], fields["username"], fields["password"])
        out.license_number = session.license_number
        out.response = {"success": 1, "sessionid": session.sessionid, "time": state.unix_now()}
        return
    assert env.sessionid is not None
    if fault is not None and fault.kind == "session_expired":
        state.expire_session(env.sessionid)
        raise ApiError(ErrorCode.SESSION_EXPIRED)
    license_number = state.resolve_session(env.sessionid).license_number
    out.license_number = license_number
    nonce = env.nonce or ""
    stored = state.find_nonce(license_number, nonce)
    if env.action == "nonce_replay":
        if stored is None:
            out.response = {
                "success": 0,
                "errorcode": config.nonce_not_found_code,
                "error": config.nonce_not_found_message.format(nonce=nonce),
            }
            return
        out.response = copy.deepcopy(stored.response)
        return
    write = ACTIONS[env.action].write
    if write and stored is not None:
        if stored.fingerprint != fingerprint(env.body):
            out.notes.append(f"nonce {nonce!r} reused for a different request")
        if config.duplicate_nonce == "reject":
            raise ApiError(ErrorCode.DUPLICATE_NONCE, f"Nonce {nonce!r} was already used")
        if config.duplicate_nonce == "replay":
            stored.times_seen += 1
            out.response, out.replayed = copy.deepcopy(stored.response), True
            return
    fields = _fields(state, env, out)
    out.response = HANDLERS[env.action](state, license_number, fields)
    if write:
        out.applied = True
        state.store_nonce(license_number, nonce, env.action, out.response, fingerprint(env.body))


def _fields(state: BioTrackState, env: Envelope, out: Outcome) -> dict[str, Any]:
    try:
        checked = check_fields(env, state.config, state.unix_now())
    except ApiError:
        out.invalid = True
        raise
    out.notes.extend(checked.notes)
    out.encodings.update(checked.encodings)
    return checked.fields


def create_app(
    state: BioTrackState | None = None,
    faults: Faults | None = None,
    log: RequestLog | None = None,
    *,
    path: str = DEFAULT_PATH,
    answers: AnswerSlot | None = None,
) -> Starlette:
    """The ASGI app. Pass shared ``state``/``faults``/``log`` to inspect them from tests; they
    are also reachable as ``app.state.biotrack_state``, ``.biotrack_faults``, ``.biotrack_log``."""
    state = BioTrackState() if state is None else state
    faults = Faults() if faults is None else faults
    log = RequestLog() if log is None else log  # an empty log is falsy

    async def serverjson(request: Request) -> Response:
        text = (await request.body()).decode("utf-8", errors="replace")
        try:
            body: Any = json.loads(text) if text.strip() else None
        except json.JSONDecodeError:
            body = None

        def answer(status: int, out: Outcome | None, payload: str, fault: str | None) -> Response:
            log.append(
                LogEntry(
                    seq=log.next_seq(),
                    at=state.now(),
                    action=out.action if out else _str_of(body, "action"),
                    body=body if body is not None else text,
                    nonce=out.nonce if out else _str_of(body, "nonce"),
                    sessionid=out.sessionid if out else _str_of(body, "sessionid"),
                    license_number=out.license_number if out else None,
                    status_code=status,
                    response=out.response if out and status == 200 else None,
                    raw_response=payload,
                    fault=fault,
                    applied=bool(out and out.applied),
                    replayed=bool(out and out.replayed),
                    invalid=bool(out and out.invalid),
                    notes=out.notes if out else [],
                    encodings=out.encodings if out else {},
                )
            )
            media = state.config.response_content_type if status == 200 else "text/plain"
            return Response(payload, status_code=status, media_type=media)

        if faults.down_mode is not None:
            return answer(503, None, "Service Unavailable", "down")
        # An answer mode (generated.py) answers from BioTrack's documented shapes instead.
        mode = answers.mode if answers is not None else None
        generated = mode.respond(state, body, process) if mode is not None else None
        if generated is not None:
            return answer(generated[0].status, generated[1], generated[0].payload, "generated")
        fault = faults.take(_str_of(body, "action"))
        kind = fault.kind if fault else None
        if fault is not None and kind == "http_500" and not fault.apply:
            return answer(500, None, "Internal Server Error", kind)
        if fault is not None and kind == "hang" and not fault.apply:
            await faults.sleep(fault.seconds)
            return answer(504, None, "Gateway Timeout", kind)
        if body is None:
            error = ApiError(ErrorCode.MALFORMED_REQUEST, "Request body is not valid JSON")
            out = Outcome(error.body(), invalid=True)
        else:
            out = process(state, body, fault)
        payload = json.dumps(out.response)
        if fault is not None and kind == "http_500":
            return answer(500, out, "Internal Server Error", kind)
        if fault is not None and kind == "hang":
            await faults.sleep(fault.seconds)
        if fault is not None and kind == "header_leak":
            payload = fault.text + payload
        return answer(200, out, payload, kind)

    app = Starlette(routes=[Route(path, serverjson, methods=["POST"])])
    app.state.biotrack_state = state
    app.state.biotrack_faults = faults
    app.state.biotrack_log = log
    return app


def _str_of(body: Any, key: str) -> str | None:
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None
