"""Run the METRC double on a real socket (127.0.0.1, free port) in a background thread.

Why this module exists: our METRC plugin talks HTTP through its own httpx client, timeouts and
retries, so the double must be a real server, not an in-process ASGI transport (a hang must trip
a real client timeout). uvicorn runs in a daemon thread with its own event loop, so it works the
same under synchronous tests and under pytest-asyncio; the handle gives tests the URL, the keys
and the live ``state`` / ``faults`` / ``log``::

    with metrc_double() as metrc:                       # synchronous tests
        httpx.get(f"{metrc.base_url}/facilities/v2", auth=metrc.auth)

    async with metrc_double_async() as metrc:           # async tests / fixtures
        async with metrc.async_client() as http: ...

A session-scoped server plus ``metrc.reset()`` per test keeps a run fast (the yaml is parsed once
per process, about 0.3 s).
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from .app import create_app
from .faults import Faults
from .present import Casing, DoubleSettings, WriteAnswer
from .requestlog import RequestLog
from .state import (
    DEFAULT_FACILITY_NAME,
    DEFAULT_LICENSE,
    DEFAULT_USER_KEY,
    DEFAULT_VENDOR_KEY,
    MetrcState,
)
from .validation import RequestValidator


@dataclass
class MetrcDouble:
    """A running double. ``license_number`` is the default facility the keys may act for."""

    base_url: str
    state: MetrcState
    faults: Faults
    log: RequestLog
    settings: DoubleSettings
    vendor_key: str
    user_key: str
    license_number: str
    app: Starlette
    _initial_settings: DoubleSettings = field(default_factory=DoubleSettings, repr=False)
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _socket: socket.socket | None = field(default=None, repr=False)

    @property
    def auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.vendor_key, self.user_key)

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", 5.0)
        return httpx.Client(base_url=self.base_url, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        kwargs.setdefault("auth", self.auth)
        kwargs.setdefault("timeout", 5.0)
        return httpx.AsyncClient(base_url=self.base_url, **kwargs)

    @property
    def answer_mode(self) -> Any:
        """None (realistic answers) or a ``generated.GeneratedAnswers`` script."""
        return self.app.state.metrc.answers

    @answer_mode.setter
    def answer_mode(self, mode: Any) -> None:
        self.app.state.metrc.answers = mode

    def reset(self) -> None:
        """Fresh state (default keys and facility), no faults, empty log, and the settings the
        double was started with (the app keeps the same ``settings`` object)."""
        self.faults.clear()  # wakes hung requests; wait (bounded) until they have logged
        deadline = time.monotonic() + 5
        while self.app.state.metrc.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        self.answer_mode = None
        self.state.reset()
        self.log.clear()
        for setting in dataclasses.fields(DoubleSettings):
            setattr(self.settings, setting.name, getattr(self._initial_settings, setting.name))

    def stop(self) -> None:
        """Wake hung requests, stop uvicorn and wait for its thread; safe to call twice."""
        if self._server is None:
            return
        self.faults.release()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = None


def start_metrc_double(
    *,
    casing: Casing | str = Casing.PASCAL,
    write_answer: WriteAnswer | str = WriteAnswer.IDS,
    vendor_key: str = DEFAULT_VENDOR_KEY,
    user_key: str = DEFAULT_USER_KEY,
    license_number: str = DEFAULT_LICENSE,
    facility_name: str = DEFAULT_FACILITY_NAME,
    local_datetimes: bool = True,
) -> MetrcDouble:
    """Start a double and return its handle; call ``stop()`` when done (or use the managers)."""
    state = MetrcState(
        vendor_key=vendor_key,
        user_key=user_key,
        license_number=license_number,
        facility_name=facility_name,
    )
    faults, log = Faults(), RequestLog()
    settings = DoubleSettings(casing=Casing(casing), write_answer=WriteAnswer(write_answer))
    validator = RequestValidator(local_datetimes=local_datetimes)
    app = create_app(state, faults, log, settings=settings, validator=validator)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
    # listening socket says so, and without it every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        loop="asyncio",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"metrc-double-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the METRC double did not start")
        time.sleep(0.005)
    return MetrcDouble(
        base_url=f"http://127.0.0.1:{port}",
        state=state,
        faults=faults,
        log=log,
        settings=settings,
        vendor_key=vendor_key,
        user_key=user_key,
        license_number=license_number,
        app=app,
        _initial_settings=copy.copy(settings),
        _server=server,
        _thread=thread,
        _socket=sock,
    )


@contextmanager
def metrc_double(**options: Any) -> Iterator[MetrcDouble]:
    """``with metrc_double() as metrc:`` — options as for :func:`start_metrc_double`."""
    double = start_metrc_double(**options)
    try:
        yield double
    finally:
        double.stop()


@asynccontextmanager
async def metrc_double_async(**options: Any) -> AsyncIterator[MetrcDouble]:
    """``async with metrc_double_async() as metrc:``; start and stop never block the loop."""
    double = await asyncio.to_thread(start_metrc_double, **options)
    try:
        yield double
    finally:
        await asyncio.to_thread(double.stop)
