"""Purchasing benchmark: ``supply_terms`` for a 3,000-product location with an order history.

The reorder suggestions call ``domain.ordering.terms.supply_terms`` once per location for every
product they consider (the issue's target for a whole suggestion run is 3,000 products in 5 s),
so this measures that one call in process: the vendor choice (preferred, else cheapest), the
learned lead times of every vendor involved, and what open orders still expect.

The store: N products, 40 vendors each carrying about half of them (every product carried by
two vendors, one of them preferred for half the products), and 2,000 purchase orders of three
lines over the past two years (most sent and received, so lead times are learned; a tenth still
open). Seeded once per size with set-based SQL.

Baseline, measured in the same run on the same connection: one statement reading the same
products' catalogue rows (``SELECT ... FROM product WHERE id = ANY(...)``). The ratio (terms
p50/p95 over baseline p50/p95) stays comparable across noisy machines.

    LEAFLEDGER_BENCH_SERVER_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    .venv/bin/python -m bench.purchasing [--products 3000] [--runs 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from bench import common
from domain import db
from domain.ordering.terms import supply_terms
from domain.organisation import services as organisation
from plugins import registry

DATABASE = os.environ.get("LEAFLEDGER_BENCH_PURCHASING_DB", "purchasing_bench")
VENDORS = 40
ORDERS = 2000

_SEED = """
INSERT INTO product (operator, sku, name, category, unit, price, unit_cost, active, created_at)
SELECT $1, 'P-' || n, 'Product ' || n, 'flower', 'grams', 12, 5, true, now()
FROM generate_series(1, $2) n;

INSERT INTO vendor (operator, license_number, name, order_weekdays, default_lead_time_days,
                    active, created_at, updated_at)
SELECT $1, 'LIC-' || v, 'Vendor ' || v, ARRAY[v % 5], 3 + v % 10, true, now(), now()
FROM generate_series(1, $3) v;
"""


async def _seed(products: int) -> tuple[int, list[int]]:
    """The bench location and its products (seeded once per size)."""
    async with db.connection() as conn:
        found = await conn.fetchval(
            "SELECT l.id FROM location l JOIN operator o ON o.id = l.operator WHERE o.name = $1",
            f"Purchasing bench {products}",
        )
    if found is None:
        common.say(f"seeding {products} products, {VENDORS} vendors, {ORDERS} orders")
        operator_id, found, admin = await organisation.bootstrap_operator(
            registry.current(),
            f"Purchasing bench {products}",
            organisation.CreateLocation(
                name="Bench store",
                license_number=f"BENCH-PURCH-{products}",
                state="CA",
                timezone="America/Los_Angeles",
                state_system="none",
            ),
            f"admin{products}@purchasing.bench",
            "Bench Admin",
            "bench-password-long-enough",
        )
        async with db.connection() as conn:
            await conn.execute(
                _SEED.replace("$1", str(operator_id))
                .replace("$2", str(products))
                .replace("$3", str(VENDORS))
            )
            await _history(conn, operator_id, found, admin)
            await conn.execute("ANALYZE")
    async with db.connection() as conn:
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT p.id FROM product p JOIN location l ON l.operator = p.operator"
                " WHERE l.id = $1 ORDER BY p.id",
                found,
            )
        ]
    return found, ids


async def _history(conn: Any, operator_id: int, location_id: int, admin: int) -> None:
    # Two vendors per product (consecutive vendors), the first preferred for even products.
    await conn.execute(
        "INSERT INTO vendor_product (vendor, product, case_pack, minimum_order, last_cost,"
        " preferred, updated_at)"
        " SELECT v.id, p.id, 6 + (p.id % 3) * 6, (p.id % 4) * 12, 3 + (v.id % 7) * 0.25,"
        "        k = 0 AND p.id % 2 = 0, now()"
        " FROM product p"
        " CROSS JOIN generate_series(0, 1) k"
        " JOIN vendor v ON v.operator = p.operator"
        "  AND v.name = 'Vendor ' || (1 + (p.id + k) % $2)"
        " WHERE p.operator = $1",
        operator_id,
        VENDORS,
    )
    await conn.execute(
        "INSERT INTO purchase_order (id, location, vendor, reference, status, created_by,"
        " created_at, updated_at, approved_by, approved_at, sent_by, sent_at, first_received_at,"
        " closed_at)"
        " SELECT nextval(pg_get_serial_sequence('purchase_order', 'id')), $1, v.id,"
        "        'B-' || n, CASE WHEN n % 10 = 0 THEN 'sent' WHEN n % 10 = 1 THEN 'approved'"
        "        ELSE 'closed' END, $3, s.at, s.at, $3, s.at, $3, s.at,"
        "        CASE WHEN n % 10 > 1 THEN s.at + (2 + n % 9) * interval '1 day' END,"
        "        CASE WHEN n % 10 > 1 THEN s.at + interval '20 days' END"
        " FROM generate_series(1, $4) n"
        " JOIN vendor v ON v.operator = $2 AND v.name = 'Vendor ' || (1 + n % 40)"
        " CROSS JOIN LATERAL (SELECT now() - (n * interval '8 hours') AS at) s",
        location_id,
        operator_id,
        admin,
        ORDERS,
    )
    await conn.execute(
        "INSERT INTO purchase_order_line (purchase_order, product, expected_quantity, unit_cost,"
        " received_quantity, rejected_quantity, short_quantity, location)"
        " SELECT po.id, p.id, 24, 4, CASE WHEN po.status = 'closed' THEN 24 ELSE 6 END, 0,"
        "        CASE WHEN po.status = 'closed' THEN 0 ELSE 18 END, po.location"
        " FROM purchase_order po CROSS JOIN generate_series(0, 2) k"
        " JOIN LATERAL (SELECT id FROM product WHERE operator = $2"
        "   ORDER BY id OFFSET (po.id * 7 + k * 131) % 3000 LIMIT 1) p ON true"
        " WHERE po.location = $1 ON CONFLICT DO NOTHING",
        location_id,
        operator_id,
    )


async def _time(call: Any, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def measure(url: str, products: int, runs: int) -> dict[str, Any]:
    db.configure(url)
    await db.start(max_size=2)
    try:
        location_id, ids = await _seed(products)
        async with db.connection() as conn:
            terms = await supply_terms(conn, location_id, ids)
            learned = sum(1 for t in terms.values() if t.lead_time_learned)
            on_order = sum(1 for t in terms.values() if t.on_order > 0)

            async def baseline() -> None:
                await conn.fetch(
                    "SELECT id, sku, unit_cost, low_stock_threshold FROM product"
                    " WHERE id = ANY($1::int[])",
                    ids,
                )

            async def call() -> None:
                await supply_terms(conn, location_id, ids)

            await _time(call, 3)  # warm the plans and caches alike
            base = await _time(baseline, runs)
            measured = await _time(call, runs)
    finally:
        await db.stop()
    p50, p95 = common.percentile(measured, 50), common.percentile(measured, 95)
    b50, b95 = common.percentile(base, 50), common.percentile(base, 95)
    common.say(f"supply_terms({len(ids)} products): {common.summary(measured)}")
    common.say(f"baseline (one catalogue read of the same products): {common.summary(base)}")
    return {
        "products": len(ids),
        "products_with_learned_lead_time": learned,
        "products_on_order": on_order,
        "supply_terms_ms_p50": round(p50, 1),
        "supply_terms_ms_p95": round(p95, 1),
        "baseline_ms_p50": round(b50, 2),
        "baseline_ms_p95": round(b95, 2),
        "ratio_p50": round(p50 / b50, 1),
        "ratio_p95": round(p95 / b95, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json")
    args = parser.parse_args()
    with common.bench_services() as found:
        url = common.bench_database(found, DATABASE)
        figures = asyncio.run(measure(url, args.products, args.runs))
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
