"""CPU and memory meters for the benches: per process set, per PostgreSQL database, whole machine.

Why they exist: on a shared two-core machine a throughput figure means little without knowing who
used the CPU meanwhile; these split it between the API, PostgreSQL (only the bench's database),
Redis, the load generator and everyone else.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from bench.common import Api


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
