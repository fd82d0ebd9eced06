"""Programmable misbehaviour of the METRC double: the failures our client must survive.

Why this module exists: METRC fails in ways a happy-path double never shows: 429 with
``Retry-After``; 500 JSON or IIS HTML pages; 503 HTML while it is down; a 401 whose body is not
JSON; an empty 200 where nothing was written; a 400 row error; and requests that hang until the
client times out, sometimes after the write was applied (which is why our client must look a
receipt up by its external number before posting it again).

A test programs faults like "the next 2 POSTs under /sales/v2/receipts answer 503"::

    metrc.faults.unavailable(count=2, method="POST", path="/sales/v2/receipts")
    metrc.faults.hang(5, apply=True, method="POST", path="/sales/v2/receipts")
    metrc.faults.down()   # every request 503 until metrc.faults.up()
    metrc.faults.answer({"Data": None}, method="GET", path="/sales/v2/receipts/external/")
    metrc.faults.enable_rate_limit()   # METRC's real GET limits, see ratelimit.py
    metrc.faults.status(422, {"Message": "..."}, path="/transfers/v2/deliveries/")  # any status
    metrc.faults.rewrite(change, path="/transfers/v2/incoming")  # the real answer, edited

``rewrite`` hands the normal answer's JSON (after the request was carried out) to ``change``,
which edits it in place or returns a replacement: how a test makes METRC send what the
description allows but seeded records cannot hold (``DeliveryId: null``, a Quantity of
-1.797e308).

Faults are consumed in the order programmed; each counts down on the requests it matches
(``path`` is a prefix, ``method`` any case). Requests are still validated and logged, so a fault
never hides an invalid request.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from starlette.responses import JSONResponse, Response

from .ratelimit import RateLimiter, RateLimits

IIS_503 = (
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
    "<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n"
    '<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
    "<BODY><h2>Service Unavailable</h2>\r\n"
    "<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n"
    "</BODY></HTML>\r\n"
)
IIS_500 = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">\r\n<html><head>'
    '<title>500 - Internal server error.</title></head><body><div id="header">'
    '<h1>Server Error</h1></div><div id="content"><fieldset>'
    "<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are "
    "looking for, and it cannot be displayed.</h3></fieldset></div></body></html>\r\n"
)
IIS_401 = (
    "<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials."
    "</title></head><body><h2>401 - Unauthorized: Access is denied due to invalid credentials."
    "</h2><h3>You do not have permission to view this directory or page using the credentials "
    "that you supplied.</h3></body></html>\r\n"
)


class FaultKind(StrEnum):
    RATE_LIMIT = "rate-limit"
    SERVER_ERROR = "server-error"
    UNAVAILABLE = "unavailable"
    UNAUTHORIZED = "unauthorized"
    EMPTY_OK = "empty-ok"
    ROW_ERROR = "row-error"
    HANG = "hang"
    STATUS = "status"  # any status, with an optional JSON body
    REWRITE = "rewrite"  # the normal answer, its JSON edited by a test's function
    ANSWER = "answer"


@dataclass
class Fault:
    kind: FaultKind
    count: int = 1
    method: str | None = None
    path: str | None = None  # prefix
    retry_after: int = 1
    html: bool = False
    row: int = 0
    message: str = ""
    seconds: float = 0.0
    apply: bool = True
    body: Any = None
    hits: int = 0
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    change: Callable[[Any], Any] | None = None

    @property
    def remaining(self) -> int:
        return self.count - self.hits

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method.upper()) and (
            self.path is None or path.startswith(self.path)
        )

    def response(self) -> Response:
        """The canned answer (HANG answers are built by the app: late, maybe after the write)."""
        if self.kind is FaultKind.RATE_LIMIT:
            return rate_limited(self.retry_after)
        if self.kind is FaultKind.SERVER_ERROR:
            if self.html:
                return Response(IIS_500, status_code=500, media_type="text/html")
            return JSONResponse({"Message": "An error has occurred."}, status_code=500)
        if self.kind is FaultKind.UNAVAILABLE:
            return unavailable()
        if self.kind is FaultKind.UNAUTHORIZED:
            return Response(IIS_401, status_code=401, media_type="text/html")
        if self.kind is FaultKind.EMPTY_OK:
            return Response(b"", status_code=200)
        if self.kind is FaultKind.ROW_ERROR:
            return JSONResponse([{"row": self.row, "message": self.message}], status_code=400)
        if self.kind is FaultKind.ANSWER:
            return JSONResponse(self.body, status_code=200)
        if self.kind is FaultKind.STATUS:
            content = b"" if self.body is None else json.dumps(self.body).encode()
            return Response(content, self.status, self.headers, "application/json")
        raise ValueError(self.kind)

    def rewritten(self, response: Response) -> Response:
        """``response`` with ``change`` applied to its JSON (a non-JSON answer is left as is)."""
        body = bytes(getattr(response, "body", b"") or b"")
        if self.change is None or not body or response.media_type != "application/json":
            return response
        value = json.loads(body)
        changed = self.change(value)
        content = json.dumps(value if changed is None else changed).encode()
        return Response(content, response.status_code, media_type="application/json")


def unavailable() -> Response:
    return Response(IIS_503, status_code=503, media_type="text/html")


def rate_limited(retry_after: int) -> Response:
    return JSONResponse(
        {"Message": f"Too many requests. Retry after {retry_after} second(s)."},
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._down = False
        self._generation = 0  # bumped by release(): hung requests wake up
        self.rate_limiter: RateLimiter | None = None

    def add(self, fault: Fault) -> Fault:
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._queue.append(fault)
        return fault

    def rate_limit(
        self,
        retry_after: int = 1,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """429 with ``Retry-After: retry_after``."""
        return self.add(Fault(FaultKind.RATE_LIMIT, count, method, path, retry_after=retry_after))

    def server_error(
        self,
        *,
        html: bool = False,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """500: ``{"Message": "An error has occurred."}``, or IIS's HTML page with ``html``."""
        return self.add(Fault(FaultKind.SERVER_ERROR, count, method, path, html=html))

    def unavailable(
        self, *, count: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """503 with IIS's HTML "Service Unavailable" page."""
        return self.add(Fault(FaultKind.UNAVAILABLE, count, method, path))

    def unauthorized(
        self, *, count: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """401 with an HTML (non-JSON) body, even though the keys are right."""
        return self.add(Fault(FaultKind.UNAUTHORIZED, count, method, path))

    def empty_ok(
        self, *, count: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """200 with no body; the write is NOT applied."""
        return self.add(Fault(FaultKind.EMPTY_OK, count, method, path))

    def row_error(
        self,
        message: str,
        row: int = 0,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """400 ``[{"row": row, "message": message}]``; nothing is applied."""
        return self.add(Fault(FaultKind.ROW_ERROR, count, method, path, row=row, message=message))

    def answer(
        self, body: Any, *, count: int = 1, method: str | None = None, path: str | None = None
    ) -> Fault:
        """200 with ``body`` as JSON, nothing applied: an answer the description allows that
        the double would not give on its own (``{"Data": None}``, an empty list, ...)."""
        return self.add(Fault(FaultKind.ANSWER, count, method, path, body=body))

    def status(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer ``status`` with ``body`` as JSON (no body when None); nothing is applied."""
        fault = Fault(FaultKind.STATUS, count, method, path, body=body, status=status)
        fault.headers = dict(headers or {})
        return self.add(fault)

    def rewrite(
        self,
        change: Callable[[Any], Any],
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Carry the request out, then answer its JSON as ``change`` edits it (in place, or the
        value it returns)."""
        return self.add(Fault(FaultKind.REWRITE, count, method, path, change=change))

    def hang(
        self,
        seconds: float,
        *,
        apply: bool = True,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> Fault:
        """Answer only after ``seconds``. With ``apply`` the request is carried out at once (a
        write is visible to later requests while this one still hangs) and its normal answer is
        sent late; without, nothing is applied and the late answer is IIS's 503 page."""
        return self.add(Fault(FaultKind.HANG, count, method, path, seconds=seconds, apply=apply))

    def take(self, method: str, path: str) -> Fault | None:
        """The first programmed fault matching this request, counted as used."""
        with self._lock:
            for fault in self._queue:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.remaining <= 0:
                        self._queue.remove(fault)
                    return fault
        return None

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._queue)

    def down(self) -> None:
        """Every request answers 503 (IIS HTML) until ``up()``."""
        with self._lock:
            self._down = True

    def up(self) -> None:
        with self._lock:
            self._down = False

    @property
    def is_down(self) -> bool:
        with self._lock:
            return self._down

    def enable_rate_limit(
        self,
        per_facility: int = 50,
        per_integrator: int = 150,
        concurrent_per_facility: int = 10,
        window_seconds: float = 1.0,
    ) -> RateLimiter:
        limits = RateLimits(per_facility, per_integrator, concurrent_per_facility, window_seconds)
        self.rate_limiter = RateLimiter(limits)
        return self.rate_limiter

    def disable_rate_limit(self) -> None:
        self.rate_limiter = None

    def clear(self) -> None:
        """Drop programmed faults, come back up, switch rate limiting off, wake hung requests."""
        with self._lock:
            self._queue.clear()
            self._down = False
        self.rate_limiter = None
        self.release()

    def release(self) -> None:
        """Wake every request that is hanging now (they answer at once)."""
        with self._lock:
            self._generation += 1

    async def sleep(self, seconds: float) -> None:
        """Sleep for a hang, cut short by ``release()`` (so shutdown never waits on a hang)."""
        with self._lock:
            generation = self._generation
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            with self._lock:
                if self._generation != generation:
                    return
            await asyncio.sleep(min(left, 0.02))
