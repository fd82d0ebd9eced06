"""Issue 12 benchmark: the count due list of a 20,000-package store, through GraphQL.

A lead opens the due list (``countsDue``: groups per zone and class, the first 100 packages
most overdue first) in a store of N packages spread over the vault, the floor and the reserved
shelf, whose last counts are spread over the past four months, with 90 days of sales history
(the ABC classes are kept per process for 10 minutes, so over HTTP the due list is the one
statement over every balance; the in-process figures also time a fresh classification). The
target: p95 <= 50 ms.

Baseline, measured in the same run on the same keep-alive connection: the cheapest authenticated
GraphQL request (``{ me { id } }``). The ratios (due list p50/p95 over baseline p50/p95) stay
comparable across noisy machines; ``countPlan`` (the classes of every product and the quiet
hours) is measured the same way for reference.

The store's packages and movements come from ``bench.seed`` (COPYed, a valid ledger); the sales
history is inserted directly (rows only: the due list reads sales, it never posts them).

    LEAFLEDGER_BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    LEAFLEDGER_BENCH_REDIS_URL=redis://127.0.0.1:6379/8 LEAFLEDGER_REDIS_PREFIX=bench_e \\
    .venv/bin/python -m bench.count_plan [--packages 20000] [--requests 300] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from bench import common, loadgen, seed
from domain import db
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.rows import returned

DATABASE = os.environ.get("LEAFLEDGER_BENCH_COUNT_PLAN_DB", "bench_e")
SALES_PER_DAY = 300
HISTORY_DAYS = 90

DUE = """query($loc: ID!) { countsDue(locationId: $loc, first: 100) {
  asOf hasMore nextOffset
  groups { zoneId zoneName abcClass everyDays packages due overdue neverCounted }
  packages { packageId tag zoneName abcClass lastCountedAt dueAt overdue }
} }"""
PLAN = """query($loc: ID!) { countPlan(locationId: $loc) {
  frequencies { subject everyDays source }
  products { productId abcClass valueShare velocityShare }
  quietHours { weekday hour salesPerWeek }
} }"""
BASELINE = "{ me { id } }"


async def _prepare(url: str, packages: int) -> tuple[int, int, dict[str, Any]]:
    """The bench store (seeded once per size), its counts history and sales; (location, lead)."""
    db.configure(url)
    await db.start(max_size=4)
    try:
        location_id = await seed.seeded(packages, packages * 2)
        if location_id is None:
            common.say(f"seeding {packages} packages")
            location_id = await seed.seed(packages, packages * 2)
        async with db.connection() as conn:
            lead = returned(
                await conn.fetchval("SELECT id FROM app_user WHERE email = 'lead@bench.test'")
            )
            # Received 200 days ago; last counted at a random time in the past 120 days (a
            # tenth never counted), so some of every class is due, overdue or fine.
            await conn.execute(
                "UPDATE package SET created_at = now() - interval '200 days',"
                " last_counted_at = CASE WHEN random() < 0.1 THEN NULL"
                " ELSE now() - random() * interval '120 days' END WHERE location = $1",
                location_id,
            )
            sales = await _sales(conn, location_id, lead)
            await conn.execute("ANALYZE")
            facts = {
                "packages": await conn.fetchval(
                    "SELECT count(*) FROM package WHERE location = $1", location_id
                ),
                "balances": await conn.fetchval(
                    "SELECT count(*) FROM stock_balance WHERE location = $1 AND quantity > 0",
                    location_id,
                ),
                "products": await conn.fetchval("SELECT count(*) FROM product"),
                "sales_in_window": sales,
            }
        return location_id, lead, facts
    finally:
        await db.stop()


async def _sales(conn: Any, location_id: int, seller: int) -> int:
    """90 days of sales (1 or 2 lines each), 9:00 to 21:00 UTC, busier late, once per database."""
    have = await conn.fetchval("SELECT count(*) FROM sale WHERE location = $1", location_id)
    if have:
        return have
    count = SALES_PER_DAY * HISTORY_DAYS
    await conn.execute(
        """
        INSERT INTO sale (location, register, pos_receipt_id, customer_type, status, external_id,
                          total, warnings, sold_by, occurred_at)
        SELECT $1, 'bench', 'r' || n, 'adult_use', 'completed', 'bench-' || n, 20, '[]', $2,
               date_trunc('day', now()) - (n % $4) * interval '1 day'
               + (9 + sqrt((n * 7919 % 1000) / 1000.0) * 12) * interval '1 hour'
        FROM generate_series(1, $3) AS n
        """,
        location_id,
        seller,
        count,
        HISTORY_DAYS,
    )
    await conn.execute(
        """
        WITH held AS (
            SELECT array_agg(b.package ORDER BY b.package, b.zone) AS packages,
                   array_agg(b.zone ORDER BY b.package, b.zone) AS zones,
                   array_agg(p.product ORDER BY b.package, b.zone) AS products
            FROM stock_balance b JOIN package p ON p.id = b.package
            WHERE b.location = $1 AND b.quantity > 0
        ), picks AS (
            -- Skewed: a few balances take most sales (the ABC split has something to find).
            SELECT s.id AS sale, k,
                   1 + ((s.id * 31 + k) % 97) * ((s.id * 17 + k) % 97) / 4 AS i
            FROM sale s CROSS JOIN generate_series(1, 2) AS k
            WHERE s.location = $1 AND (k = 1 OR s.id % 2 = 0)
        )
        INSERT INTO sale_line (sale, line_number, package, product, zone, quantity, unit_price,
                               total, limit_facts, movement, location)
        SELECT picks.sale, picks.k, held.packages[picks.i], held.products[picks.i],
               held.zones[picks.i], 1 + (picks.sale * picks.k % 3), 10, 10, '{}', 0, $1
        FROM picks, held
        """,
        location_id,
    )
    return count


async def _timed(conn: loadgen.KeepAliveClient, query: str, variables: dict, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        body = await conn.post({"query": query, "variables": variables})
        times.append((time.perf_counter() - started) * 1000)
        if "errors" in body:
            raise RuntimeError(body["errors"])
    return times


async def over_http(url: str, token: str, location_id: int, requests: int) -> dict[str, Any]:
    conn = loadgen.KeepAliveClient(f"{url}/graphql", {"Authorization": f"Bearer {token}"})
    await conn.open()
    loc = {"loc": str(location_id)}
    await _timed(conn, BASELINE, {}, 30)  # warm-up: caches, plans, the pool
    await _timed(conn, DUE, loc, 10)
    await _timed(conn, PLAN, loc, 5)
    baseline: list[float] = []
    due: list[float] = []
    plan: list[float] = []
    # Interleaved in rounds so a burst of load from elsewhere hits all three alike.
    for _ in range(requests // 10):
        baseline += await _timed(conn, BASELINE, {}, 10)
        due += await _timed(conn, DUE, loc, 10)
        plan += await _timed(conn, PLAN, loc, 2)
    await conn.close()
    p = common.percentile
    return {
        "baseline_me_ms": {"p50": round(p(baseline, 50), 2), "p95": round(p(baseline, 95), 2)},
        "counts_due_ms": {"p50": round(p(due, 50), 2), "p95": round(p(due, 95), 2)},
        "count_plan_ms": {"p50": round(p(plan, 50), 2), "p95": round(p(plan, 95), 2)},
        "counts_due_p50_in_round_trips": round(p(due, 50) / p(baseline, 50), 2),
        "counts_due_p95_in_round_trips": round(p(due, 95) / p(baseline, 95), 2),
        "count_plan_p95_in_round_trips": round(p(plan, 95) / p(baseline, 95), 2),
        "requests": len(due),
    }


async def in_process(url: str, location_id: int, n: int = 20) -> dict[str, Any]:
    """Where a request's time goes, without HTTP: the classification when not kept (cold: the
    value on hand and the window's sales), the due statement alone (classes kept), and a bare
    count of the store's balances (what any full read of them costs on this machine now)."""
    from domain.counts import plan_queries
    from plugins import registry

    db.configure(url)
    await db.start(max_size=2)
    try:
        cold: list[float] = []
        warm: list[float] = []
        scan: list[float] = []
        for _ in range(n):
            async with db.connection() as conn:
                started = time.perf_counter()
                await conn.fetchval(
                    "SELECT count(*) FROM stock_balance WHERE location = $1 AND quantity > 0",
                    location_id,
                )
                scan.append((time.perf_counter() - started) * 1000)
            plan_queries._classified.clear()
            started = time.perf_counter()
            await plan_queries.counts_due(registry.current(), location_id)
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            await plan_queries.counts_due(registry.current(), location_id)
            warm.append((time.perf_counter() - started) * 1000)
    finally:
        await db.stop()
    p = common.percentile
    return {
        # The floor of any answer that reads every balance: counting them, nothing else.
        "in_process_count_of_balances_ms": {"p50": round(p(scan, 50), 1)},
        "in_process_counts_due_classes_kept_ms": {
            "p50": round(p(warm, 50), 1),
            "p95": round(p(warm, 95), 1),
        },
        "in_process_counts_due_classified_afresh_ms": {
            "p50": round(p(cold, 50), 1),
            "p95": round(p(cold, 95), 1),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json")
    args = parser.parse_args()
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        location_id, lead_id, facts = asyncio.run(_prepare(url, args.packages))
        token = TokenCodec(common.BENCH_SECRET, 3600).issue(TokenClaims(lead_id, 0))
        load_before = os.getloadavg()[0]
        with common.api_server(url, found.redis_url, workers=1) as api:
            figures = asyncio.run(over_http(api.url, token, location_id, args.requests))
        figures.update(asyncio.run(in_process(url, location_id)))
    figures = {
        **facts,
        **figures,
        "target_counts_due_p95_ms": 50,
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
