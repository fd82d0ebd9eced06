"""A real HTTP webhook receiver on 127.0.0.1 (a free port), run by uvicorn in a thread.

Why a real server: the sender's timeouts, connection handling and headers are what is under test,
so requests must cross a socket (like the METRC double in tests/doubles/metrc/server.py). Tests
script each path's answers (200, 500, 410, slow...) and read back what arrived::

    receiver.script("a", Answer(500), Answer(200))   # then 200 for anything else
    url = receiver.url("a")
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (longer than the timeout: "slow")


@dataclass(frozen=True)
class Received:
    name: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.base_url = ""
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Answer]] = {}
        self._received: list[Received] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def url(self, name: str) -> str:
        return f"{self.base_url}/hooks/{name}"

    def script(self, name: str, *answers: Answer) -> None:
        """Answer the next requests to ``name`` with ``answers`` in turn, then 200."""
        with self._lock:
            self._scripts.setdefault(name, deque()).extend(answers)

    def received(self, name: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if name is None or r.name == name]

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._received.clear()

    async def _hook(self, request: Request) -> Response:
        name = request.path_params["name"]
        body = await request.body()
        with self._lock:
            script = self._scripts.get(name)
            answer = script.popleft() if script else Answer()
            self._received.append(
                Received(
                    name, {k.lower(): v for k, v in request.headers.items()}, body, answer.status
                )
            )
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return Response(answer.body, status_code=answer.status, headers=answer.headers)

    def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/{name}", self._hook, methods=["POST"])])
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
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"webhooks-{port}", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.005)
        self.base_url = f"http://127.0.0.1:{port}"
        self._server, self._thread, self._socket = server, thread, sock

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = None
