"""Issue 15 benchmark: every analytics query over two years of ten stores, through GraphQL.

Seeds (COPY, once; re-used while the database holds this history) one operator with ten
California stores and two years of trading each: 300 products (20 brands, 7 categories), 8
vendors whose manifests bring packages in at a landed cost as stock runs low, and ~150 sale lines
a day per store in receipts of up to three lines (a weekday pattern, every tenth line
discounted), with their sale rows, lines and ledger movements, a few write-offs, and balances
equal to the movements. Hash columns are placeholders: the rules never read them and the bench
stores are never audited. Then, in one run:

1. **Roll-up**: every store's two years rebuilt from the ledger (``rollup.roll_up(rebuild=True)``,
   what a first deployment or a repair runs), timed; then the kicked run after one new sale
   (p50/p95 of 20): the work the worker does per location per minute.
2. **Each analytics query through GraphQL** (a real API process, one worker) over the two years
   for all ten stores, with the same-run baseline: the cheapest authenticated round trip
   (``{ me { id } }``) on the same keep-alive connection; p95 of each and the ratio.

Target (issue 15): each analytics query p95 ≤ 200 ms. Database ``analytics_bench``, Redis db 7.

    .venv/bin/python -m bench.analytics [--lines-per-day 150] [--rounds 40] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from api import services
from api.cli import migrate
from bench import common, loadgen
from domain import databases, db
from domain.analytics import rollup
from domain.identity.passwords import hash_password
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.unit_of_work import UnitOfWorkFactory, discard
from plugins import registry

DATABASE = "analytics_bench"
REDIS_DB = 7
STORES = 10
DAYS = 730
PRODUCTS = 300
LICENCE = "C10-0015{:03d}-LIC"
TZ = ZoneInfo("America/Los_Angeles")
CATEGORIES = ["flower", "pre_roll", "vape", "concentrate", "edible", "beverage", "tincture"]
VENDORS = [(f"C11-00{n:05d}-LIC", f"Vendor {n}") for n in range(8)]
MOVEMENT_COLUMNS = [
    "location", "package", "sequence", "kind", "from_zone", "to_zone", "quantity", "reason",
    "note", "actor", "occurred_at", "recorded_at", "source_document", "previous_hash", "hash",
]  # fmt: skip
SALE_COLUMNS = [
    "id", "location", "register", "pos_receipt_id", "customer_type", "status", "external_id",
    "total", "sold_by", "occurred_at",
]  # fmt: skip
LINE_COLUMNS = [
    "sale", "line_number", "package", "product", "zone", "quantity", "returned_quantity",
    "unit_price", "discount", "sales_tax", "excise_tax", "total", "movement", "location",
]  # fmt: skip
QUERIES = {
    "margins_by_product": """query($locs: [ID!], $from: Date!, $to: Date!) {
      salesMargins(locationIds: $locs, from: $from, to: $to, by: PRODUCT, first: 50) {
        __typename ... on MarginReport { lineCount total { netRevenue grossMargin marginRate }
          lines { key label margin { unitsSold netRevenue costOfGoodsSold grossMargin } } } } }""",
    "margins_by_category": """query($locs: [ID!], $from: Date!, $to: Date!) {
      salesMargins(locationIds: $locs, from: $from, to: $to, by: CATEGORY) {
        __typename ... on MarginReport { lines { key margin { netRevenue grossMargin } } } } }""",
    "margins_by_brand": """query($locs: [ID!], $from: Date!, $to: Date!) {
      salesMargins(locationIds: $locs, from: $from, to: $to, by: BRAND) {
        __typename ... on MarginReport { lines { key margin { netRevenue grossMargin } } } } }""",
    "margins_by_vendor": """query($locs: [ID!], $from: Date!, $to: Date!) {
      salesMargins(locationIds: $locs, from: $from, to: $to, by: VENDOR) {
        __typename ... on MarginReport { lines { key label margin { netRevenue } } } } }""",
    "turnover_gmroi": """query($locs: [ID!], $from: Date!, $to: Date!) {
      inventoryTurnover(locationIds: $locs, from: $from, to: $to) {
        __typename ... on TurnoverReport { days total { turnover daysOnHand gmroi }
          byLocation { key figures { turnover gmroi } }
          byCategory { key figures { turnover daysOnHand gmroi } } } } }""",
    "sell_through": """query($locs: [ID!], $from: Date!, $to: Date!) {
      sellThrough(locationIds: $locs, from: $from, to: $to, first: 50) {
        __typename ... on SellThroughReport {
          lines { batchNumber received sold sellThrough } } } }""",
    "shrinkage_rate": """query($locs: [ID!], $from: Date!, $to: Date!) {
      shrinkageRate(locationIds: $locs, from: $from, to: $to) {
        __typename ... on ShrinkageRateReport {
          lines { locationId lossValue rateOfCostOfSales } } } }""",
    "stock_aging": """query($locs: [ID!]) {
      stockAging(locationIds: $locs, deadAfterDays: 60, first: 50) {
        __typename ... on StockAgingReport { buckets { label packages value } deadValue
          dead { productId value } } } }""",
    "expiring_stock": """query($locs: [ID!]) {
      expiringStock(locationIds: $locs, withinDays: 30, first: 50) {
        __typename ... on ExpiringStockReport { expiredValue expiringValue
          lines { batchNumber value } } } }""",
    "stock_across_locations": """query($locs: [ID!], $product: ID!) {
      stockAcrossLocations(locationIds: $locs, productId: $product) {
        __typename ... on StockAcrossLocations { locations { locationId quantity value }
          routes { fromLocationId toLocationId } } } }""",
}


async def _seeded(lines_per_day: int) -> tuple[list[int], int, int] | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT array_agg(id ORDER BY id) AS ids,"
            " (SELECT count(*) FROM movement WHERE kind = 'sale') AS sales,"
            " (SELECT id FROM app_user WHERE email = 'admin@bench-15.test') AS admin,"
            " (SELECT min(id) FROM product) AS product"
            " FROM location WHERE license_number LIKE 'C10-0015%'"
        )
    wanted = STORES * DAYS * lines_per_day * 0.9
    if row and row["ids"] and len(row["ids"]) == STORES and row["sales"] >= wanted:
        return list(row["ids"]), row["admin"], row["product"]
    return None


class Ledger:
    """Rows for COPY, with per-package sequences and balances kept as they are generated."""

    def __init__(self) -> None:
        self.movements: list[tuple[Any, ...]] = []
        self.sales: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.sequence: dict[int, int] = {}
        self.movement_id = 0

    def move(self, loc, package, kind, source, to, qty, reason, actor, when, document) -> int:
        self.sequence[package] = self.sequence.get(package, 0) + 1
        self.movement_id += 1
        note = "bench" if reason == "theft" else None
        self.movements.append(
            (loc, package, self.sequence[package], kind, source, to, qty, reason, note, actor,
             when, when, document, "", "")
        )  # fmt: skip
        return self.movement_id


async def seed(lines_per_day: int) -> tuple[list[int], int, int]:
    rng = random.Random(15)
    operator_id, first, admin_id = await organisation.bootstrap_operator(
        registry.current(),
        "Bench 15 Co",
        organisation.CreateLocation(
            name="Store 0",
            license_number=LICENCE.format(0),
            state="CA",
            timezone=TZ.key,
            state_system="none",
        ),
        "admin@bench-15.test",
        "Bench Admin",
        "bench-password-1",
    )
    async with db.connection() as conn:
        locations = [first]
        for n in range(1, STORES):
            loc = await conn.fetchval(
                "INSERT INTO location (operator, name, license_number, state, timezone,"
                " state_system, fefo_policy, reserve_from_vault, reservation_hold_minutes,"
                " receiving_tolerance_pct, receiving_requires_signoff, created_at)"
                " VALUES ($1, $2, $3, 'CA', $4, 'none', 'warn', false, 60, 2, false, now())"
                " RETURNING id",
                operator_id,
                f"Store {n}",
                LICENCE.format(n),
                TZ.key,
            )
            await conn.execute(
                "INSERT INTO zone (location, name, kind, active, created_at)"
                " SELECT $1, name, kind, true, now() FROM zone WHERE location = $2",
                loc,
                first,
            )
            await conn.execute(
                'INSERT INTO location_grant ("user", location, role) VALUES ($1, $2, $3)',
                admin_id,
                loc,
                "admin",
            )
            locations.append(loc)
        floors = {
            r["location"]: r["id"]
            for r in await conn.fetch(
                "SELECT location, id FROM zone WHERE kind = $1", str(ZoneKind.SALES_FLOOR)
            )
        }
        await conn.execute(
            "UPDATE app_user SET password_hash = $1 WHERE id = $2",
            hash_password("bench-password-1"),
            admin_id,
        )
        products = await conn.fetch(
            "INSERT INTO product (operator, sku, name, category, brand, unit, price, unit_cost,"
            " active, created_at) SELECT $1, 'B15-' || n, 'Bench product ' || n,"
            " ($2::text[])[1 + n % 7], 'Brand ' || (n % 20), 'each', 20 + n % 30,"
            " 8 + (n % 30) / 2.0, true, now() FROM generate_series(0, $3 - 1) n"
            " RETURNING id, price, unit_cost",
            operator_id,
            CATEGORIES,
            PRODUCTS,
        )
    today = datetime.now(TZ).date()
    start = today - timedelta(days=DAYS - 1)
    weights = [1 / (n + 1) ** 0.8 for n in range(len(products))]
    sale_id = 0
    for loc in locations:
        book = Ledger()
        async with db.connection() as conn:
            book.movement_id = await conn.fetchval("SELECT coalesce(max(id), 0) FROM movement")
        # Per product: packages on hand [(package id, remaining)], oldest first.
        stock: dict[int, list[list[Any]]] = {p["id"]: [] for p in products}
        packages: list[tuple[Any, ...]] = []
        batches: list[tuple[Any, ...]] = []
        shipments: list[tuple[Any, ...]] = []
        async with db.connection() as conn:
            next_package = await conn.fetchval("SELECT coalesce(max(id), 0) FROM package")
            next_batch = await conn.fetchval("SELECT coalesce(max(id), 0) FROM batch")
        floor = floors[loc]
        for d in range(DAYS):
            day = start + timedelta(days=d)
            opening = datetime(day.year, day.month, day.day, 8, tzinfo=TZ)
            manifests: dict[int, str] = {}
            for index, p in enumerate(products):
                held = stock[p["id"]]
                if sum(h[1] for h in held) >= 20:
                    continue
                # Each product comes from one vendor; a vendor's deliveries of a day share
                # one manifest.
                which = index % len(VENDORS)
                manifest = manifests.get(which)
                if manifest is None:
                    vendor = VENDORS[which]
                    manifest = manifests[which] = f"M{loc}-{d}-{which}"
                    shipments.append((loc, "manual", manifest, vendor[0], vendor[1], "completed"))
                next_package += 1
                next_batch += 1
                qty = Decimal(rng.choice([60, 100, 150]))
                cost = (p["unit_cost"] * Decimal(rng.uniform(0.85, 1.15))).quantize(
                    Decimal("0.0001")
                )
                expires = day + timedelta(days=rng.randint(60, 240))
                batches.append((next_batch, p["id"], f"L{loc}-{next_batch}", expires))
                packages.append(
                    (next_package, loc, f"B15{next_package:021d}", p["id"], next_batch, cost)
                )
                book.move(
                    loc, next_package, "receive", None, floor, qty, None, admin_id, opening,
                    f"manifest:{manifest}",
                )  # fmt: skip
                held.append([next_package, qty])
            lines = int(lines_per_day * (1.3 if day.weekday() >= 4 else 0.85))
            chosen = rng.choices(products, weights, k=lines)
            n = 0
            while n < len(chosen):
                sale_id += 1
                when = datetime(
                    day.year, day.month, day.day, rng.randint(9, 20), rng.randint(0, 59), tzinfo=TZ
                )
                total = Decimal(0)
                line_number = 0
                for p in chosen[n : n + rng.randint(1, 3)]:
                    n += 1
                    held = stock[p["id"]]
                    if not held:
                        continue
                    package, left = held[0]
                    qty = min(Decimal(rng.randint(1, 3)), left)
                    held[0][1] -= qty
                    if held[0][1] == 0:
                        held.pop(0)
                    line_number += 1
                    off = Decimal("1.00") if rng.random() < 0.1 else Decimal(0)
                    line_total = p["price"] * qty - off
                    total += line_total
                    movement = book.move(
                        loc, package, "sale", floor, None, qty, None, admin_id, when,
                        f"sale:{sale_id}",
                    )  # fmt: skip
                    book.lines.append(
                        (sale_id, line_number, package, p["id"], floor, qty, Decimal(0),
                         p["price"], off, Decimal(0), Decimal(0), line_total, movement, loc)
                    )  # fmt: skip
                book.sales.append(
                    (sale_id, loc, "R1", f"{loc}-{sale_id}", "adult", "completed",
                     f"S{sale_id}", total, admin_id, when)
                )  # fmt: skip
            if rng.random() < 0.3:
                p = rng.choice(products)
                held = stock[p["id"]]
                if held and held[0][1] > 1:
                    held[0][1] -= 1
                    book.move(
                        loc, held[0][0], "adjust", floor, None, Decimal(1),
                        rng.choice(["damage", "theft", "count_correction", "sample"]), admin_id,
                        opening + timedelta(hours=12), None,
                    )  # fmt: skip
        balances = [
            (h[0], floor, loc, h[1], datetime.now(UTC)) for held in stock.values() for h in held
        ]
        async with db.transaction(), db.connection() as conn:
            await conn.copy_records_to_table(
                "shipment",
                records=[(*s, datetime.now(UTC)) for s in shipments],
                columns=["location", "source", "manifest_number", "shipper_license",
                         "shipper_name", "status", "created_at"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "batch",
                records=[
                    (b[0], b[1], b[2], "passed", b[3], datetime.now(UTC)) for b in batches
                ],
                columns=["id", "product", "producer_batch_number", "lab_status", "expires_on",
                         "created_at"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "package",
                records=[
                    (*pk, "each", "active", book.sequence.get(pk[0], 0), "", datetime.now(UTC))
                    for pk in packages
                ],
                columns=["id", "location", "tag", "product", "batch", "unit_cost", "unit",
                         "status", "movement_count", "last_hash", "created_at"],
            )  # fmt: skip
            await conn.copy_records_to_table(
                "movement", records=book.movements, columns=MOVEMENT_COLUMNS
            )
            await conn.copy_records_to_table("sale", records=book.sales, columns=SALE_COLUMNS)
            await conn.copy_records_to_table("sale_line", records=book.lines, columns=LINE_COLUMNS)
            await conn.copy_records_to_table(
                "stock_balance",
                records=balances,
                columns=["package", "zone", "location", "quantity", "updated_at"],
            )
        common.say(f"store {loc}: {len(book.movements)} movements, {len(book.sales)} receipts")
    async with db.connection() as conn:
        for table, column in (("movement", "id"), ("sale", "id"), ("package", "id"),
                              ("batch", "id")):  # fmt: skip
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" (SELECT max({column}) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    return locations, admin_id, products[0]["id"]


async def roll_ups(
    locations: list[int], product_id: int, admin_id: int, rebuild: bool
) -> dict[str, Any]:
    units = UnitOfWorkFactory(registry.current(), discard)
    figures: dict[str, Any] = {}
    if rebuild:
        started = time.perf_counter()
        for loc in locations:
            await rollup.roll_up(units, loc, rebuild=True)
        figures["rebuild_two_years_ten_stores_seconds"] = round(time.perf_counter() - started, 1)
    async with db.connection() as conn:
        await conn.execute("ANALYZE")
        for table in ("analytics_day", "analytics_month", "analytics_stock_day"):
            figures[f"{table}_rows"] = await conn.fetchval(f"SELECT count(*) FROM {table}")
        package, floor = (
            await conn.fetchval(
                "SELECT p.id FROM package p JOIN stock_balance b ON b.package = p.id"
                " WHERE p.location = $1 AND b.quantity > 100 LIMIT 1",
                locations[0],
            ),
            await conn.fetchval(
                "SELECT id FROM zone WHERE location = $1 AND kind = 'sales_floor'", locations[0]
            ),
        )
    timings = []
    for _ in range(20):
        async with db.connection() as conn:
            # One new movement (a write-off, so no sale row is needed), as committed live.
            now = datetime.now(UTC)
            await conn.execute(
                "INSERT INTO movement (location, package, sequence, kind, from_zone, quantity,"
                " reason, actor, occurred_at, recorded_at, previous_hash, hash) VALUES ($1, $2,"
                " (SELECT max(sequence) + 1 FROM movement WHERE package = $2), 'adjust', $3,"
                " 1, 'damage', $4, $5, $5, '', '')",
                locations[0],
                package,
                floor,
                admin_id,
                now,
            )
        started = time.perf_counter()
        await rollup.roll_up(units, locations[0])
        timings.append((time.perf_counter() - started) * 1000)
    figures["kicked_roll_up_ms"] = common.summary(timings)
    figures["kicked_roll_up_p95_ms"] = round(common.percentile(timings, 95), 1)
    return figures


async def over_http(url: str, token: str, locations: list[int], product: int, rounds: int):
    conn = loadgen.KeepAliveClient(f"{url}/graphql", {"Authorization": f"Bearer {token}"})
    await conn.open()
    today = datetime.now(TZ).date()
    period = {
        "locs": [str(loc) for loc in locations],
        "from": (today - timedelta(days=DAYS - 1)).isoformat(),
        "to": today.isoformat(),
    }
    variables: dict[str, dict[str, Any]] = {
        name: {"locs": period["locs"]} if "$from" not in q else dict(period)
        for name, q in QUERIES.items()
    }
    variables["stock_across_locations"]["product"] = str(product)
    base: list[float] = []
    timings: dict[str, list[float]] = {name: [] for name in QUERIES}
    answers: dict[str, Any] = {}
    for _ in range(3):  # warm up
        await conn.post({"query": "{ me { id } }"})
        for name, query in QUERIES.items():
            await conn.post({"query": query, "variables": variables[name]})
    for _ in range(rounds):
        started = time.perf_counter()
        await conn.post({"query": "{ me { id } }"})
        base.append((time.perf_counter() - started) * 1000)
        for name, query in QUERIES.items():
            started = time.perf_counter()
            answer = await conn.post({"query": query, "variables": variables[name]})
            timings[name].append((time.perf_counter() - started) * 1000)
            if "errors" in answer:
                raise RuntimeError(f"{name}: {answer['errors']}")
            answers[name] = answer["data"]
    base_p95 = common.percentile(base, 95)
    figures: dict[str, Any] = {"baseline_me_ms": common.summary(base)}
    for name, values in timings.items():
        p95 = common.percentile(values, 95)
        figures[f"{name}_p95_ms"] = round(p95, 1)
        figures[f"{name}_p95_in_round_trips"] = round(p95 / base_p95, 1)
    turnover = answers["turnover_gmroi"]["inventoryTurnover"]["total"]
    figures["two_year_turnover"] = turnover["turnover"]
    figures["two_year_gmroi"] = turnover["gmroi"]
    figures["worst_p95_ms"] = max(figures[f"{n}_p95_ms"] for n in QUERIES)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines-per-day", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--json")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument(
        "--no-rebuild", action="store_true", help="keep the roll-ups an earlier run built"
    )
    args = parser.parse_args()
    with common.bench_services() as found:
        url = services.with_database(found.postgres_server_url, DATABASE)
        redis_url = common.redis_database(found.redis_url, REDIS_DB)

        async def prepare() -> tuple[tuple[list[int], int, int], dict[str, Any]]:
            started = time.perf_counter()
            db.configure(url)
            await db.start(max_size=4)
            try:
                place = None if args.reseed else await _seeded(args.lines_per_day)
                if place is None:
                    await db.stop()
                    await databases.drop_database(found.postgres_server_url, DATABASE)
                    await databases.create_database(found.postgres_server_url, DATABASE)
                    await migrate(url)
                    await db.start(max_size=4)
                    place = await seed(args.lines_per_day)
                    common.say(f"seeded in {time.perf_counter() - started:.0f} s")
                fresh = args.reseed or not args.no_rebuild
                return place, await roll_ups(place[0], place[2], place[1], fresh)
            finally:
                await db.stop()

        asyncio.run(databases.create_database(found.postgres_server_url, DATABASE))
        asyncio.run(migrate(url))
        (locations, admin, product), figures = asyncio.run(prepare())
        common.clear_arq_keys(redis_url)
        token = TokenCodec(common.BENCH_SECRET, 3600).issue(TokenClaims(admin, 0))
        with common.api_server(url, redis_url, workers=1) as api:
            figures |= asyncio.run(over_http(api.url, token, locations, product, args.rounds))
    figures |= {"stores": STORES, "days": DAYS, "lines_per_day": args.lines_per_day}
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
