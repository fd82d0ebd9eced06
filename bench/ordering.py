"""Issue 15 benchmark: reorder suggestions for a store with 3,000 products and two years of sales.

The store's history is the demo's simulation (``domain.demo.history``: weekday pattern,
promotions, stockouts and restocks under a naive min/max habit), written as a consistent ledger
with COPY by ``domain.demo.history_copy`` (hash chains, balances, sales and their lines), in
chunks of products so the seeding process stays small. Seeded once per database.

Measured in a fresh child process (so its peak RSS is the suggestions', not the seeding's):

* time of ``reorder_suggestions`` for the location (13 weeks of history, as the API asks),
  against a same-run baseline: one aggregate over the same window of movements
  (``count(*), sum(quantity)`` by the same index), the least any suggestion must read;
* peak RSS of that process against its RSS just before the first call (imports, pool, baseline
  query done).

Targets: ≤ 5 s and ≤ 300 MB.

    LEAFLEDGER_BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m bench.ordering [--products 3000] [--days 730] [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from bench import common
from domain import db

DATABASE = os.environ.get("LEAFLEDGER_BENCH_ORDERING_DB", "ordering_bench")
LICENCE = "C10-0015000-LIC"
CHUNK = 250


async def _seed(url: str, products: int, days: int) -> int:
    """The bench store (once per size); its location id."""
    from domain.demo.history import Stocked, simulate
    from domain.demo.history_copy import HistoryStore, ProductFacts, write
    from domain.identity.passwords import hash_password
    from domain.organisation import services as organisation
    from plugins import registry

    db.configure(url)
    await db.start(max_size=2)
    try:
        async with db.connection() as conn:
            row = await conn.fetchrow(
                "SELECT l.id, (SELECT count(*) FROM product) AS products,"
                " (SELECT min(occurred_at) FROM movement) AS since"
                " FROM location l WHERE license_number = $1",
                LICENCE,
            )
        if row and row["products"] == products:
            return row["id"]
        async with db.connection() as conn:
            tables = (
                "sale_line, sale, movement, stock_balance, package, batch, product,"
                " location_grant, app_user, zone, location, operator, ordering_policy"
            )
            await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        operator_id, location_id, admin_id = await organisation.bootstrap_operator(
            registry.current(),
            "Ordering Bench Co",
            organisation.CreateLocation(
                name="Ordering Bench Store",
                license_number=LICENCE,
                state="CA",
                timezone="America/Los_Angeles",
                state_system="metrc",
            ),
            "admin@ordering.bench",
            "Bench Admin",
            "bench-password-1",
        )
        rng = np.random.default_rng(15)
        async with db.connection() as conn:
            zones = {
                r["kind"]: r["id"]
                for r in await conn.fetch(
                    "SELECT id, kind FROM zone WHERE location = $1", location_id
                )
            }
            seller = await conn.fetchval(
                "INSERT INTO app_user (operator, email, name, password_hash, active,"
                " token_version, created_at) VALUES ($1, 'lead@ordering.bench', 'Bench Lead',"
                " $2, true, 0, now()) RETURNING id",
                operator_id,
                hash_password("bench-password-1"),
            )
            categories = ["flower", "pre_roll", "vape", "edible", "concentrate", "beverage"]
            product_ids = [
                r["id"]
                for r in await conn.fetch(
                    "INSERT INTO product (operator, sku, name, category, unit, price, unit_cost,"
                    " active, created_at) SELECT $1, 'OB-' || n, 'Bench product ' || n,"
                    " ($2::text[])[1 + n % 6], 'each', 20, 9, true, now()"
                    " FROM generate_series(1, $3) AS n ORDER BY n RETURNING id",
                    operator_id,
                    categories,
                    products,
                )
            ]
        today = date.today()
        store = HistoryStore(
            location_id=location_id,
            timezone="America/Los_Angeles",
            vault_zone=zones["vault"],
            floor_zone=zones["sales_floor"],
            facility_code="OB0100015",
            receiver_id=admin_id,
            seller_id=seller,
        )
        facts = {
            pid: ProductFacts("each", Decimal("20.00"), Decimal("9.0000"), {}, "OB")
            for pid in product_ids
        }
        tag = 1
        for start in range(0, products, CHUNK):
            ids = product_ids[start : start + CHUNK]
            stocked = [
                Stocked(pid, float(rng.lognormal(0.3, 0.9)), int(rng.choice([180, 365, 540])),
                        categories[n % 6])
                for n, pid in enumerate(ids, start)
            ]  # fmt: skip
            history = simulate(stocked, today - timedelta(days=days), days, 1500 + start)
            store = dataclasses.replace(store, first_tag=tag)
            async with db.transaction(), db.connection() as conn:
                await write(conn, store, stocked, facts, history, start)
            tag += len(history.lots)
            common.say(f"seeded {start + len(ids)} of {products} products")
        async with db.connection() as conn:
            await conn.execute("ANALYZE")
        return location_id
    finally:
        await db.stop()


async def _measure(url: str, location_id: int, runs: int) -> dict[str, Any]:
    """In the child: baseline read, then the suggestions, timed; RSS before and at peak."""
    from domain.identity.principal import Principal
    from domain.ordering import suggestions
    from domain.roles import Role

    db.configure(url)
    await db.start(max_size=2)
    try:
        async with db.connection() as conn:
            operator = await conn.fetchval(
                "SELECT operator FROM location WHERE id = $1", location_id
            )
            facts = {
                "products": await conn.fetchval("SELECT count(*) FROM product"),
                "movements": await conn.fetchval("SELECT count(*) FROM movement"),
                "sales": await conn.fetchval("SELECT count(*) FROM sale"),
                "first_day": str(
                    await conn.fetchval("SELECT min(occurred_at)::date FROM movement")
                ),
            }
        principal = Principal(
            user_id=1, operator_id=operator, email="b", name="b", grants={location_id: Role.MANAGER}
        )
        since = datetime.now().astimezone() - timedelta(days=suggestions.WINDOW_DAYS)
        baseline = []
        for _ in range(runs):
            async with db.connection() as conn:
                started = time.perf_counter()
                await conn.fetchrow(
                    "SELECT count(*), sum(quantity) FROM movement"
                    " WHERE location = $1 AND occurred_at >= $2",
                    location_id,
                    since,
                )
                baseline.append(time.perf_counter() - started)
        rss_before = _rss_mb()
        timings, lines = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            found = await suggestions.reorder_suggestions(principal, [location_id])
            timings.append(time.perf_counter() - started)
            lines = sum(len(o.lines) for o in found.orders)
        peak = _peak_mb()
        median, read = statistics.median(timings), statistics.median(baseline)
        return {
            **facts,
            "suggested_lines": lines,
            "suggestions_s": {"median": round(median, 3), "max": round(max(timings), 3)},
            "baseline_window_read_s": round(read, 3),
            "time_ratio_to_baseline": round(median / read, 2),
            "rss_before_mb": round(rss_before, 1),
            "peak_rss_mb": round(peak, 1),
            "peak_rss_ratio_to_before": round(peak / rss_before, 2),
            "target_s": 5,
            "target_peak_rss_mb": 300,
        }
    finally:
        await db.stop()


def _peak_mb() -> float:
    """This process's high-water RSS (VmHWM: per process image, unlike ru_maxrss, which a
    child started by fork and exec inherits from its parent)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json")
    parser.add_argument("--measure", nargs=2, metavar=("URL", "LOCATION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, location = args.measure
        print(json.dumps(asyncio.run(_measure(url, int(location), args.runs))))
        return
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        started = time.perf_counter()
        location_id = asyncio.run(_seed(url, args.products, args.days))
        seeding = time.perf_counter() - started
        out = subprocess.run(
            [sys.executable, "-m", "bench.ordering", "--measure", url, str(location_id),
             "--runs", str(args.runs)],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    figures = {
        **json.loads(out.strip().splitlines()[-1]),
        "seed_or_check_s": round(seeding, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
