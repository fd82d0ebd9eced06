"""Issue 14 benchmark: verifying a million chained movements, a long-lived package's history,
and a 20,000-package store's stock as of a past instant (in process: the domain calls the
GraphQL resolvers make, each timed alone).

* **Verification** (``domain.audit.verification.verify_location``, what the nightly job and
  ``leafledger verify`` run) of a 100,000-row store and of a 1,000,000-row store, each in its
  own process: rows/s, and peak RSS of the process (flat: 1M over 100k ≈ 1). Baselines in the
  same process: streaming the same rows through the same cursor without hashing (rows/s: what
  PostgreSQL and asyncpg cost alone), and the process's RSS before it verifies.
* **packageHistory** of a package with ``--long`` movements in the 1M-row ledger (first page,
  last page), p50/p95 and statements per call. Baseline: one indexed statement (the package by
  its tag) on the same pool, p50/p95; target p95 ≤ 50 ms.
* **stockAsOf** of the 20,000-package store, first page of 100 lines and the totals, at a
  mid-history instant and now, p50/p95. Baseline: ``count(*)`` of the location's movements (the
  floor of any answer that reads them all); target p95 ≤ 1 s.

The stores come from ``bench.seed`` (COPYed, valid hash chains, balances = movements), in their
own database (``verify_bench``), seeded once and reused.

    LEAFLEDGER_BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m bench.audit [--packages 20000] [--movements 1000000]
        [--small-movements 100000] [--long 5000] [--requests 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from bench import common, seed
from domain import db, hashchain
from domain.organisation.model import ZoneKind
from domain.rows import returned

DATABASE = os.environ.get("LEAFLEDGER_BENCH_AUDIT_DB", "verify_bench")
SMALL_LICENCE = "C10-0000998-LIC"
SMALL_PACKAGES = 2000
LONG_TAG = "1A4BE9999999999999999999"


# --- Seeding ---------------------------------------------------------------------------------


async def _count(sql: str, *args: Any) -> int:
    async with db.connection() as conn:
        return int(await conn.fetchval(sql, *args) or 0)


async def _small_store(big_location: int, movements: int) -> int:
    """A second store of the same operator with ``movements`` rows (50 per package)."""
    existing = await _count("SELECT id FROM location WHERE license_number = $1", SMALL_LICENCE)
    if existing:
        rows = await _count("SELECT count(*) FROM movement WHERE location = $1", existing)
        if rows == movements:
            return existing
        raise SystemExit("the small store is stale: drop the verify_bench database")
    from domain.organisation import services as organisation
    from plugins import registry

    _, location_id, _ = await organisation.bootstrap_operator(
        registry.current(),
        "Small Bench Co",
        organisation.CreateLocation(
            name="Small Store",
            license_number=SMALL_LICENCE,
            state="CA",
            timezone="America/Los_Angeles",
            state_system="metrc",
        ),
        "admin@small.bench.test",
        "Small Admin",
        "bench-password-1",
    )
    per_package = 50
    await _packages(location_id, big_location, movements // per_package, per_package, "1A4SM")
    return location_id


async def _packages(location_id: int, like: int, count: int, per: int, prefix: str) -> list[int]:
    """``count`` packages of the big store's products with ``per`` movements each."""
    async with db.connection() as conn:
        zones = {
            ZoneKind(r["kind"]): r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", location_id)
        }
        actors = tuple(
            r["id"]
            for r in await conn.fetch(
                "SELECT u.id FROM app_user u JOIN location l ON l.operator = u.operator"
                " WHERE l.id = $1 ORDER BY u.id LIMIT 2",
                like,
            )
        )
        ids = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO package (location, tag, product, batch, unit, status,"
                " movement_count, last_hash, created_at)"
                " SELECT $1, $2 || lpad(n::text, 19 - length($2) + 5, '0'), p.product, p.batch,"
                " 'grams', 'active', 0, $4, now()"
                " FROM generate_series(1, $3) n"
                " CROSS JOIN LATERAL (SELECT product, batch FROM package WHERE location = $5"
                "   ORDER BY id OFFSET (n % 400) LIMIT 1) p RETURNING id",
                location_id,
                prefix,
                count,
                hashchain.GENESIS,
                like,
            )
        ]
    rng = random.Random(11)
    for start in range(0, len(ids), 500):
        await seed._history(location_id, ids[start : start + 500], per, zones, actors, rng)
    return ids


async def prepare(packages: int, movements: int, small: int, long: int) -> dict[str, Any]:
    # Seeded by an earlier run: the store then holds the long-lived package too.
    big = await seed.seeded(packages + 1, movements) or await seed.seeded(packages, movements)
    if big is None:
        common.say(f"seeding {packages} packages, {movements} movements (COPY)")
        started = time.monotonic()
        big = await seed.seed(packages, movements)
        common.say(f"seeded in {time.monotonic() - started:.0f} s")
    if not await _count("SELECT count(*) FROM package WHERE tag = $1", LONG_TAG):
        common.say(f"adding a package with {long} movements")
        async with db.connection() as conn:
            await conn.execute(
                "INSERT INTO package (location, tag, product, batch, unit, status,"
                " movement_count, last_hash, created_at) SELECT location, $2, product, batch,"
                " unit, status, 0, $3, now() FROM package WHERE location = $1 ORDER BY id"
                " LIMIT 1",
                big,
                LONG_TAG,
                hashchain.GENESIS,
            )
            pid = returned(await conn.fetchval("SELECT id FROM package WHERE tag = $1", LONG_TAG))
            zones = {
                ZoneKind(r["kind"]): r["id"]
                for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", big)
            }
            actors = tuple(
                r["id"] for r in await conn.fetch("SELECT id FROM app_user ORDER BY id LIMIT 2")
            )
        await seed._history(big, [pid], long, zones, actors, random.Random(3))
    common.say("adding the 100k-row store")
    small_id = await _small_store(big, small)
    async with db.connection() as conn:
        await conn.execute("VACUUM ANALYZE movement")
        await conn.execute("ANALYZE")
    return {
        "big_location": big,
        "small_location": small_id,
        "big_packages": await _count("SELECT count(*) FROM package WHERE location = $1", big),
        "big_movements": await _count("SELECT count(*) FROM movement WHERE location = $1", big),
        "small_movements": await _count(
            "SELECT count(*) FROM movement WHERE location = $1", small_id
        ),
        "long_package_movements": await _count(
            "SELECT movement_count FROM package WHERE tag = $1", LONG_TAG
        ),
    }


# --- Verification, in its own process ---------------------------------------------------------


def _rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


class PeakRss:
    """This process's peak RSS, sampled every 10 ms in a thread (``ru_maxrss`` will not do: a
    forked child starts from its parent's peak, and the parent seeded the stores)."""

    def __init__(self) -> None:
        self.peak = _rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _rss_mib())

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return max(self.peak, _rss_mib())


async def verify_child(url: str, location_id: int) -> dict[str, Any]:
    from domain.audit import verification
    from domain.unit_of_work import UnitOfWork
    from plugins import registry

    db.configure(url)
    await db.start(min_size=1, max_size=2)
    try:
        rss_before = _rss_mib()
        # Baseline: the same rows through the same cursor, nothing computed.
        started = time.perf_counter()
        fetched = 0
        async with db.connection() as conn, conn.transaction(readonly=True):
            async for _row in conn.cursor(
                verification._MOVEMENTS, location_id, prefetch=verification.BATCH
            ):
                fetched += 1
        fetch_seconds = time.perf_counter() - started
        rss_after_fetch = _rss_mib()
        units = UnitOfWork(registry.current())
        rss_ready = _rss_mib()
        sampler = PeakRss()
        started = time.perf_counter()
        run = await verification.verify_location(units, location_id, "cli")
        seconds = time.perf_counter() - started
        peak = sampler.stop()
    finally:
        await db.stop()
    return {
        "rows": run.rows_checked,
        "chains": run.chains_checked,
        "status": run.status,
        "seconds": round(seconds, 2),
        "rows_per_s": round(run.rows_checked / seconds),
        "fetch_only_rows_per_s": round(fetched / fetch_seconds),
        "verify_over_fetch_only": round(
            (run.rows_checked / seconds) / (fetched / fetch_seconds), 3
        ),
        "rss_before_mib": round(rss_before, 1),
        "rss_after_fetch_only_mib": round(rss_after_fetch, 1),
        "rss_before_verify_mib": round(rss_ready, 1),
        "peak_rss_mib": round(peak, 1),
    }


def verify_in_process(url: str, location_id: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.audit", "--verify-child", url, str(location_id)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# --- packageHistory and stockAsOf ---------------------------------------------------------


async def _timed(call, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(common.percentile(values, 50), 2),
        "p95": round(common.percentile(values, 95), 2),
    }


async def reads(url: str, big: int, requests: int) -> dict[str, Any]:
    from domain.audit import as_of, history
    from domain.identity.principal import Principal
    from domain.inventory import queries
    from domain.roles import Role

    db.configure(url)
    await db.start(min_size=2, max_size=4)
    try:
        async with db.connection() as conn:
            operator = returned(
                await conn.fetchval("SELECT operator FROM location WHERE id = $1", big)
            )
            first_at, last_at = returned(
                await conn.fetchrow(
                    "SELECT min(occurred_at), max(occurred_at) FROM movement WHERE location = $1",
                    big,
                )
            )
            long_count = returned(
                await conn.fetchval("SELECT movement_count FROM package WHERE tag = $1", LONG_TAG)
            )
        auditor = Principal(0, operator, "bench@bench.test", "Bench", {big: Role.AUDITOR})

        async def tag_lookup() -> None:
            await queries.package_by_tag(big, LONG_TAG)

        async def history_first() -> None:
            await history.package_history(auditor, LONG_TAG, first=50)

        async def history_last() -> None:
            await history.package_history(auditor, LONG_TAG, first=50, after=long_count - 50)

        mid = first_at + (last_at - first_at) / 2
        now = datetime.now(UTC) + timedelta(seconds=1)

        async def as_of_mid() -> None:
            await as_of.stock_as_of(auditor, big, mid, 100, None)

        async def as_of_now() -> None:
            await as_of.stock_as_of(auditor, big, now, 100, None)

        async def scan_baseline() -> None:
            async with db.connection() as conn:
                await conn.fetchval("SELECT count(*) FROM movement WHERE location = $1", big)

        with db.count_queries() as statements:
            await history_first()
        for call in (tag_lookup, history_first, history_last, as_of_mid, scan_baseline):
            await _timed(call, 3)  # warm: plans, caches
        lookup, first, last = [], [], []
        for _ in range(max(1, requests // 10)):  # interleaved, so noise hits all alike
            lookup += await _timed(tag_lookup, 10)
            first += await _timed(history_first, 10)
            last += await _timed(history_last, 10)
        scans, mids, nows = [], [], []
        for _ in range(max(1, requests // 10)):
            scans += await _timed(scan_baseline, 2)
            mids += await _timed(as_of_mid, 2)
            nows += await _timed(as_of_now, 2)
        page = await as_of.stock_as_of(auditor, big, mid, 100, None)
    finally:
        await db.stop()
    p = common.percentile
    return {
        "history_statements_per_call": len(statements),
        "baseline_tag_lookup_ms": _p(lookup),
        "package_history_first_page_ms": _p(first),
        "package_history_last_page_ms": _p(last),
        "package_history_p95_over_tag_lookup_p95": round(p(first, 95) / p(lookup, 95), 1),
        "target_package_history_p95_ms": 50,
        "baseline_count_location_movements_ms": _p(scans),
        "stock_as_of_mid_history_ms": _p(mids),
        "stock_as_of_now_ms": _p(nows),
        "stock_as_of_p95_over_count_p95": round(p(nows, 95) / p(scans, 95), 2),
        "stock_as_of_packages_held_mid_history": sum(t.package_count for t in page.totals),
        "target_stock_as_of_p95_ms": 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=20000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--small-movements", type=int, default=100_000)
    parser.add_argument("--long", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--verify-child", nargs=2, metavar=("URL", "LOCATION"))
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.verify_child:
        url, location = args.verify_child
        print(json.dumps(asyncio.run(verify_child(url, int(location)))))
        return
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)

        async def seeded() -> dict[str, Any]:
            db.configure(url)
            await db.start(max_size=2)
            try:
                return await prepare(args.packages, args.movements, args.small_movements, args.long)
            finally:
                await db.stop()

        facts = asyncio.run(seeded())
        load_before = os.getloadavg()[0]
        common.say("verifying the 100k-row store")
        small = verify_in_process(url, facts["small_location"])
        common.say(f"  {small}")
        common.say("verifying the 1M-row store")
        big = verify_in_process(url, facts["big_location"])
        common.say(f"  {big}")
        common.say("packageHistory and stockAsOf")
        figures = asyncio.run(reads(url, facts["big_location"], args.requests))
    figures = {
        **facts,
        "verify_100k": small,
        "verify_1m": big,
        "verify_peak_rss_1m_over_100k": round(big["peak_rss_mib"] / small["peak_rss_mib"], 3),
        **figures,
        "load_average_1m_before": round(load_before, 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
