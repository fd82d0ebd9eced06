"""Running real API processes (uvicorn) against the test database, as production would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApiProcess:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"API process exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not become ready")


@contextlib.contextmanager
def api_processes(
    count: int, extra_env: dict[str, str] | None = None, ports: list[int] | None = None
) -> Iterator[list[ApiProcess]]:
    """Start ``count`` independent API processes; they share only Postgres and Redis.
    ``ports`` pins their ports (a restarted API where its clients expect it)."""
    env = {**os.environ, **(extra_env or {})}
    started: list[ApiProcess] = []
    try:
        for n in range(count):
            port = ports[n] if ports else free_port()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "api.app:app_factory",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                env=env,
            )
            started.append(ApiProcess(port, process))
        for api in started:
            _wait_ready(api.http, api.process)
        yield started
    finally:
        for api in started:
            api.process.terminate()
        for api in started:
            try:
                api.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.process.kill()


def start_worker(extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """An arq worker process (``leafledger worker``) against the test database and Redis."""
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker"],
        env={**os.environ, **(extra_env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the process group and wait for it (SIGKILL after 15 s)."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
