"""Runs the BioTrack double over real HTTP on 127.0.0.1, in a background thread.

Why this module exists: LeafLedger's BioTrack client talks HTTP with its own timeouts and
retries; only a real socket exercises those (timeouts during a hang, connection refused during
an outage). ``run_biotrack_double()`` starts uvicorn on a free port, seeds one license with one
user, and yields a ``BioTrackDouble`` handle; leaving the ``with`` block stops the server.

``faults.down("refuse")`` stops uvicorn and closes the listening socket; ``faults.up()`` starts a
fresh uvicorn on the same port. State, faults and log live outside uvicorn and survive that.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import uvicorn

from .app import DEFAULT_PATH, AnswerSlot, create_app
from .faults import DownMode, Faults
from .log import LogEntry, RequestLog
from .records import DoubleConfig, Item
from .state import (
    DEFAULT_LICENSE,
    DEFAULT_PASSWORD,
    DEFAULT_ROOM,
    DEFAULT_USERNAME,
    BioTrackState,
)

HOST = "127.0.0.1"
START_TIMEOUT = 10.0


def _bind(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class BioTrackDouble:
    """What a test gets: the URL to point the client at, the seeded credentials, the world."""

    port: int
    path: str
    state: BioTrackState
    faults: Faults
    log: RequestLog
    license_number: str
    username: str
    password: str
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _answers: AnswerSlot = field(default_factory=AnswerSlot, repr=False)

    @property
    def answer_mode(self) -> Any:
        """None (realistic answers) or a ``generated.GeneratedAnswers`` script."""
        return self._answers.mode

    @answer_mode.setter
    def answer_mode(self, mode: Any) -> None:
        self._answers.mode = mode

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The state's serverjson URL, e.g. ``http://127.0.0.1:54321/serverjson.asp``."""
        return self.base_url + self.path

    @property
    def config(self) -> DoubleConfig:
        return self.state.config

    @property
    def invalid_requests(self) -> list[LogEntry]:
        return self.log.invalid()

    def add_item(
        self,
        barcodeid: str,
        quantity: Decimal | int | float | str,
        *,
        uom: str = "g",
        room: int = DEFAULT_ROOM,
        product_name: str = "",
        strain: str = "",
        inventory_type: int = 28,
    ) -> Item:
        """``state.add_item`` under the seeded license."""
        return self.state.add_item(
            self.license_number, barcodeid, quantity, uom=uom, room=room,
            product_name=product_name, strain=strain, inventory_type=inventory_type,
        )  # fmt: skip

    def reset(self, config: DoubleConfig | None = None) -> None:
        """A clean double on the same port: empty world re-seeded with the license and user,
        default (or given) switches, no faults, empty log. For module-scoped fixtures."""
        self.faults.clear()
        self.answer_mode = None
        self.state.reset(config)
        _seed(self.state, self.license_number, self.username, self.password)
        self.log.clear()

    # -- lifecycle -----------------------------------------------------------------------------

    def _start(self, sock: socket.socket) -> None:
        app = create_app(self.state, self.faults, self.log, path=self.path, answers=self._answers)
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="biotrack-double", daemon=True
        )
        self.faults.rearm_hangs()
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the BioTrack double did not start")
            time.sleep(0.005)
        self._server, self._thread = server, thread

    def _stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        self.faults.release_hangs()
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)

    def _on_down(self, mode: DownMode | None) -> None:
        with self._lock:
            if mode == "refuse" and self._server is not None:
                self._stop()
            elif mode != "refuse" and self._server is None:
                self._start(_bind(self.port))


def _seed(state: BioTrackState, license_number: str, username: str, password: str) -> None:
    state.add_license(license_number)
    state.add_user(license_number, username, password)


@contextmanager
def run_biotrack_double(
    *,
    path: str = DEFAULT_PATH,
    config: DoubleConfig | None = None,
    license_number: str = DEFAULT_LICENSE,
    username: str = DEFAULT_USERNAME,
    password: str = DEFAULT_PASSWORD,
) -> Iterator[BioTrackDouble]:
    """Start the double with one license (room 1 "Sales Floor") and one user; stop on exit."""
    state = BioTrackState(config)
    _seed(state, license_number, username, password)
    sock = _bind()
    handle = BioTrackDouble(
        port=sock.getsockname()[1],
        path=path,
        state=state,
        faults=Faults(),
        log=RequestLog(),
        license_number=license_number,
        username=username,
        password=password,
    )
    handle._start(sock)
    handle.faults.set_listener(handle._on_down)
    try:
        yield handle
    finally:
        handle.faults.set_listener(None)
        with handle._lock:
            handle._stop()
