"""Programmable failures of the BioTrack double, for the next N requests or until switched off.

Why this module exists: LeafLedger's BioTrack client must survive what the real service does -
sessions that expire mid-shift, HTTP 500s, requests that hang (and may or may not have been
applied, which is why the client asks ``nonce_replay`` before retrying), the known bug that
leaks HTTP header text into the response body [c], and outages. Tests arm a fault here; the
app consults ``take`` on every request.

Semantics (each fault counts down ``times`` matching requests; ``action`` limits it to one
action; faults are tried in the order armed):

* ``expire_session`` - the request's session is expired in the state and the answer is
  SESSION_EXPIRED (912); nothing is applied. Never matches ``login``. Re-login works.
* ``http_500`` - HTTP 500, body ``Internal Server Error``. ``apply=True`` applies the request
  first (stores its nonce), so only ``nonce_replay`` reveals it happened.
* ``hang`` - the answer is held ``seconds``. ``apply=True`` (default): applied at once, then
  the answer waits - the client times out although the state changed. ``apply=False``: the
  request waits, is NOT applied, and then gets HTTP 504.
* ``header_leak`` - applied normally; the body is ``text`` (default
  ``HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\n\\r\\n``) followed by the JSON.
* ``down("503")`` - every request gets HTTP 503 until ``up()``; ``down("refuse")`` closes the
  listening socket (connection refused) until ``up()`` - only with a running server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["session_expired", "http_500", "hang", "header_leak"]
DownMode = Literal["refuse", "503"]
DEFAULT_LEAK = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"


@dataclass
class Fault:
    kind: FaultKind
    remaining: int
    action: str | None = None
    seconds: float = 0.0
    apply: bool = False
    text: str = DEFAULT_LEAK

    def matches(self, action: str | None) -> bool:
        if self.remaining <= 0:
            return False
        if self.kind == "session_expired" and action == "login":
            return False
        return self.action is None or self.action == action


class Faults:
    """Thread-safe fault schedule shared by the test thread and the server thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []
        self._down: DownMode | None = None
        self._released = threading.Event()
        self._listener: Callable[[DownMode | None], None] | None = None

    # -- arming (tests) ------------------------------------------------------------------------

    def expire_session(self, times: int = 1, *, action: str | None = None) -> None:
        self._arm(Fault("session_expired", times, action))

    def http_500(self, times: int = 1, *, action: str | None = None, apply: bool = False) -> None:
        self._arm(Fault("http_500", times, action, apply=apply))

    def hang(
        self, seconds: float, times: int = 1, *, action: str | None = None, apply: bool = True
    ) -> None:
        self._arm(Fault("hang", times, action, seconds=seconds, apply=apply))

    def header_leak(
        self, times: int = 1, *, action: str | None = None, text: str = DEFAULT_LEAK
    ) -> None:
        self._arm(Fault("header_leak", times, action, text=text, apply=True))

    def down(self, mode: DownMode = "503") -> None:
        """Fail every request (503) or refuse connections until ``up()``."""
        if mode == "refuse" and self._listener is None:
            raise RuntimeError('down("refuse") needs the double running as a server')
        with self._lock:
            self._down = mode
        if self._listener is not None:
            self._listener(mode)

    def up(self) -> None:
        with self._lock:
            was, self._down = self._down, None
        if was is not None and self._listener is not None:
            self._listener(None)

    def clear(self) -> None:
        """Drop every armed fault and come back up."""
        with self._lock:
            self._pending.clear()
        self.up()

    def _arm(self, fault: Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._pending.append(fault)

    # -- reading (tests and app) ---------------------------------------------------------------

    @property
    def down_mode(self) -> DownMode | None:
        with self._lock:
            return self._down

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(**vars(f)) for f in self._pending if f.remaining > 0]

    def take(self, action: str | None) -> Fault | None:
        """The first armed fault matching ``action``, counted down; None when there is none."""
        with self._lock:
            for fault in self._pending:
                if fault.matches(action):
                    fault.remaining -= 1
                    return Fault(**vars(fault))
            return None

    # -- hangs and the server hook -------------------------------------------------------------

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the loop; cut short when the server shuts down."""
        await asyncio.to_thread(self._released.wait, seconds)

    def release_hangs(self) -> None:
        self._released.set()

    def rearm_hangs(self) -> None:
        self._released.clear()

    def set_listener(self, listener: Callable[[DownMode | None], None] | None) -> None:
        """The server handle's hook: called with the new down mode (None when up)."""
        self._listener = listener
