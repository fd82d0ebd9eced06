"""Issue 13 benchmark: every diversion rule over a year of one store, and its shrinkage report.

Seeds (COPY, once; re-used while the licence holds this history) one California store with a
year of activity: ~500,000 movements (sales, transfers, voids and returns, write-offs with every
reason, a few after hours) and ~200,000 door events (vault and floor doors, badges of eight
staff, a few unknown badges), with day shifts for everyone. Hash columns are placeholders: the
rules never read them, and the bench store is never audited. Then, in one run:

1. **Full sweep** (``domain.diversion.evaluate.sweep``) over the year, in this process: wall
   seconds and the process's peak RSS (sampled every 20 ms; the figure includes the ~100 MB
   the interpreter and imports hold before it starts, printed too). Run twice: the second
   finds everything already flagged (raised 0), which is what "safe to run twice" costs.
2. **Incremental evaluation of one event** (``evaluate_new``) after appending one row, a
   write-off movement or a door event alternately, 200 times: p50/p95 ms.
3. **The shrinkage report for the year through GraphQL** against a real API process, with the
   same-run baseline: the cheapest authenticated round trip (``{ me { id } }``) on the same
   keep-alive connection; p95 of each and the report's cost in round trips. The year's days are
   rolled up first (``domain.shrinkage.rollup``, timed: the whole year, then an hourly run);
   today is read from the ledger, as in production.

Targets (issue 13): sweep ≤ 10 s and ≤ 300 MB, incremental p95 ≤ 20 ms, report p95 ≤ 200 ms.
Database ``bench_h``, Redis database 12.

    .venv/bin/python -m bench.diversion [--movements N] [--access-events N] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psutil

from api import services
from api.cli import migrate
from bench import common, loadgen
from domain import db
from domain.diversion import evaluate
from domain.identity.passwords import hash_password
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.shrinkage import rollup
from domain.unit_of_work import UnitOfWorkFactory, discard
from plugins import registry

DATABASE = "bench_h"
REDIS_DB = 12
LICENCE = "C10-0000913-LIC"
STAFF = [
    "manager",
    "inventory_lead",
    "budtender",
    "budtender",
    "budtender",
    "budtender",
    "budtender",
    "inventory_lead",
]
REASONS = [
    "sample",
    "damage",
    "expired",
    "count_correction",
    "packaging_waste",
    "qa_testing",
    "entry_error",
    "other",
]
MOVEMENT_COLUMNS = [
    "location",
    "package",
    "sequence",
    "kind",
    "from_zone",
    "to_zone",
    "quantity",
    "reason",
    "actor",
    "occurred_at",
    "recorded_at",
    "source_document",
    "previous_hash",
    "hash",
]
ACCESS_COLUMNS = [
    "location",
    "source",
    "event_id",
    "occurred_at",
    "direction",
    "zone_ref",
    "badge_ref",
    "zone",
    "user",
    "recorded_at",
]
REPORT = """query($locs: [ID!]!, $from: Date!, $to: Date!) {
  shrinkageReport(locationIds: $locs, from: $from, to: $to) {
    known { units grams value movements } unknown { units grams value movements }
    sales { value } rateOfSales knownRate unknownRate
    byCause { key label known amount { units grams value movements } }
    byZone { key label amount { value } } byCategory { key amount { value } }
    byProduct { key label amount { value } } byPerson { key label amount { value } }
    weekly { week knownValue unknownValue salesValue rate } } }"""


async def _seeded(movements: int) -> tuple[int, int] | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT l.id, (SELECT count(*) FROM movement m WHERE m.location = l.id) AS n,"
            " (SELECT id FROM app_user WHERE email = 'manager-0@bench-h.test') AS manager"
            " FROM location l WHERE license_number = $1",
            LICENCE,
        )
    return (row["id"], row["manager"]) if row and row["n"] >= movements else None


async def seed(movements: int, access_events: int) -> tuple[int, int]:
    """The store, its staff and products, then a year of movements and door events by COPY."""
    rng = random.Random(13)
    async with db.connection() as conn:
        await conn.execute(
            "TRUNCATE diversion_flag, diversion_cursor, diversion_settings, access_event, shift,"
            " badge, movement, package_status_change, stock_balance, package, batch, product,"
            " location_grant, app_user, zone, location, operator, idempotency_record"
            " RESTART IDENTITY CASCADE"
        )
    operator_id, loc, _ = await organisation.bootstrap_operator(
        registry.current(),
        "Bench H Co",
        organisation.CreateLocation(
            name="Bench H Store",
            license_number=LICENCE,
            state="CA",
            timezone="America/Los_Angeles",
            state_system="none",
        ),
        "admin@bench-h.test",
        "Bench Admin",
        "bench-password-1",
    )
    tz = evaluate.ZoneInfo("America/Los_Angeles")
    now = datetime.now(UTC)
    start = now - timedelta(days=365)
    async with db.connection() as conn:
        zones = {
            ZoneKind(r["kind"]): r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", loc)
        }
        password = hash_password("bench-password-1")
        staff: list[int] = []
        for n, role in enumerate(STAFF):
            user_id = await conn.fetchval(
                "INSERT INTO app_user (operator, email, name, password_hash, active,"
                " token_version, created_at) VALUES ($1, $2, $3, $4, true, 0, now()) RETURNING id",
                operator_id,
                f"{role.replace('_', '-')}-{n}@bench-h.test",
                f"{role} {n}",
                password,
            )
            await conn.execute(
                'INSERT INTO location_grant ("user", location, role) VALUES ($1, $2, $3)',
                user_id,
                loc,
                role,
            )
            await conn.execute(
                'INSERT INTO badge (location, code, "user", created_at) VALUES ($1, $2, $3, now())',
                loc,
                f"B-{n:04d}",
                user_id,
            )
            staff.append(user_id)
        products = [
            await conn.fetchval(
                "INSERT INTO product (operator, sku, name, category, unit, price, unit_cost,"
                " active, created_at) VALUES ($1, $2, $3, $4, 'grams', 12, $5, true, now())"
                " RETURNING id",
                operator_id,
                f"H-{n:04d}",
                f"Bench product {n}",
                ["flower", "pre_roll", "vape", "concentrate", "edible"][n % 5],
                Decimal(rng.randint(200, 900)) / 100,
            )
            for n in range(200)
        ]
        packages = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO package (location, tag, product, unit, status, movement_count,"
                " last_hash, created_at) SELECT $1, 'H' || lpad(n::text, 23, '0'),"
                " ($2::int[])[1 + n % 200], 'grams', 'active', 0, '', now()"
                " FROM generate_series(0, 1999) n RETURNING id",
                loc,
                products,
            )
        ]
        days = [(start + timedelta(days=d)).astimezone(tz).date() for d in range(366)]
        shifts = []
        for day in days:
            for user in staff:
                begins = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
                shifts.append((loc, user, begins, begins + timedelta(hours=9), "schedule", now))
        await conn.copy_records_to_table(
            "shift",
            records=shifts,
            columns=["location", "user", "starts_at", "ends_at", "source", "created_at"],
        )

    def moment(last_hour: int = 20) -> datetime:
        day = rng.choice(days)
        hour = 23 if rng.random() < 0.0005 else rng.randint(9, last_hour)
        return datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), tzinfo=tz)

    vault, floor = zones[ZoneKind.VAULT], zones[ZoneKind.SALES_FLOOR]
    records: list[tuple[Any, ...]] = []
    for n in range(movements):
        roll = rng.random()
        actor = rng.choice(staff)
        package = rng.choice(packages)
        qty = Decimal(rng.choice(["1", "3.5", "7", "1.5"]))
        when = moment()
        if roll < 0.85:
            row = ("sale", floor, None, None, f"R{n}")
        elif roll < 0.92:
            row = ("transfer", vault, floor, None, None)
        elif roll < 0.96:
            row = (rng.choice(["void", "return"]), None, floor, None, f"R{n}")
        else:
            row = ("adjust", rng.choice([vault, floor]), None, rng.choice(REASONS), None)
        kind, source, to, reason, document = row
        records.append(
            (loc, package, n, kind, source, to, qty, reason, actor, when, when, document, "", "")
        )
        if len(records) == 50_000:
            await _copy("movement", records, MOVEMENT_COLUMNS)
            records = []
    await _copy("movement", records, MOVEMENT_COLUMNS)
    doors = []
    for n in range(access_events):
        unknown = rng.random() < 0.001
        user_n = rng.randrange(len(staff))
        vault_door = rng.random() < 0.3
        doors.append(
            (
                loc,
                "bench-doors",
                f"a{n}",
                moment(17),
                "entry",
                "Vault" if vault_door else "Sales floor",
                "B-9999" if unknown else f"B-{user_n:04d}",
                vault if vault_door else floor,
                None if unknown else staff[user_n],
                now,
            )
        )
    await _copy("access_event", doors, ACCESS_COLUMNS)
    async with db.connection() as conn:
        await conn.execute("ANALYZE")
    return loc, staff[0]


async def _copy(table: str, records: list[tuple[Any, ...]], columns: list[str]) -> None:
    if records:
        async with db.connection() as conn:
            await conn.copy_records_to_table(table, records=records, columns=columns)


class PeakRss:
    def __init__(self) -> None:
        self.process = psutil.Process()
        self.before = self.process.memory_info().rss / 2**20
        self.peak = self.before
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss / 2**20)
            time.sleep(0.02)


async def in_process(url: str, loc: int, rounds: int) -> dict[str, Any]:
    # Flags' events go nowhere here: the bench measures the rules, not Redis.
    units = UnitOfWorkFactory(registry.current(), discard)
    end = datetime.now(UTC) + timedelta(minutes=1)
    begin = end - timedelta(days=366)
    async with db.connection() as conn:
        await conn.execute("DELETE FROM diversion_flag WHERE location = $1", loc)
    figures: dict[str, Any] = {}
    with PeakRss() as rss:
        started = time.perf_counter()
        tally = await evaluate.sweep(units, loc, begin, end)
        figures["sweep_seconds"] = round(time.perf_counter() - started, 2)
    figures["sweep_peak_rss_mb"] = round(rss.peak)
    figures["rss_before_sweep_mb"] = round(rss.before)
    figures["sweep"] = tally.as_dict()
    started = time.perf_counter()
    again = await evaluate.sweep(units, loc, begin, end)
    figures["second_sweep_seconds"] = round(time.perf_counter() - started, 2)
    figures["second_sweep_raised"] = again.raised
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO diversion_cursor (location, last_movement, last_access_event,"
            " evaluated_at, runs) VALUES ($1, (SELECT max(id) FROM movement),"
            " (SELECT max(id) FROM access_event), now(), 0) ON CONFLICT (location) DO UPDATE"
            " SET last_movement = EXCLUDED.last_movement,"
            " last_access_event = EXCLUDED.last_access_event",
            loc,
        )
        package = await conn.fetchval("SELECT min(id) FROM package WHERE location = $1", loc)
        zone = await conn.fetchval(
            "SELECT id FROM zone WHERE location = $1 AND kind = 'vault'", loc
        )
        actor = await conn.fetchval('SELECT min("user") FROM badge WHERE location = $1', loc)
    timings = []
    for n in range(rounds):
        now = datetime.now(UTC)
        async with db.connection() as conn:
            if n % 2:
                await conn.execute(
                    "INSERT INTO movement (location, package, sequence, kind, from_zone, quantity,"
                    " reason, actor, occurred_at, recorded_at, previous_hash, hash)"
                    " VALUES ($1, $2, (SELECT max(sequence) + 1 FROM movement WHERE package = $2),"
                    " 'adjust', $3, 1, 'damage', $4, $5, $5, '', '')",
                    loc,
                    package,
                    zone,
                    actor,
                    now,
                )
            else:
                await conn.execute(
                    "INSERT INTO access_event (location, source, event_id, occurred_at, direction,"
                    " zone_ref, badge_ref, zone, \"user\", recorded_at) VALUES ($1, 'bench-live',"
                    " $2, $3, 'entry', 'Vault', 'B-0000', $4, $5, $3)",
                    loc,
                    f"live-{time.time_ns()}",
                    now,
                    zone,
                    actor,
                )
        started = time.perf_counter()
        await evaluate.evaluate_new(units, loc)
        timings.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    figures["rollup_days"] = await rollup.roll_up(units, loc, rebuild=True)
    figures["rollup_year_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    await rollup.roll_up(units, loc)
    figures["rollup_hourly_seconds"] = round(time.perf_counter() - started, 2)
    figures["incremental_one_event_ms"] = common.summary(timings)
    figures["incremental_p95_ms"] = round(common.percentile(timings, 95), 1)
    return figures


async def over_http(url: str, token: str, loc: int, rounds: int) -> dict[str, Any]:
    conn = loadgen.KeepAliveClient(f"{url}/graphql", {"Authorization": f"Bearer {token}"})
    await conn.open()
    today = datetime.now(UTC).date()
    variables = {
        "locs": [str(loc)],
        "from": (today - timedelta(days=366)).isoformat(),
        "to": (today + timedelta(days=1)).isoformat(),
    }
    for _ in range(3):  # warm both
        await conn.post({"query": "{ me { id } }"})
        await conn.post({"query": REPORT, "variables": variables})
    base, report = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = await conn.post({"query": "{ me { id } }"})
        base.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        answer = await conn.post({"query": REPORT, "variables": variables})
        report.append((time.perf_counter() - started) * 1000)
        if "errors" in answer:
            raise RuntimeError(answer["errors"])
    found = answer["data"]["shrinkageReport"]
    return {
        "baseline_me_ms": common.summary(base),
        "report_ms": common.summary(report),
        "report_p95_ms": round(common.percentile(report, 95), 1),
        "report_p95_in_round_trips": round(
            common.percentile(report, 95) / common.percentile(base, 95), 1
        ),
        "report_known_value": found["known"]["value"],
        "report_unknown_value": found["unknown"]["value"],
        "report_rate_of_sales": found["rateOfSales"],
        "report_weeks": len(found["weekly"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--movements", type=int, default=500_000)
    parser.add_argument("--access-events", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--json")
    parser.add_argument("--database", default=DATABASE, help="a copy: createdb -T bench_h X")
    parser.add_argument("--redis-db", type=int, default=REDIS_DB)
    args = parser.parse_args()
    with common.bench_services() as found:
        url = services.with_database(found.postgres_server_url, args.database)
        asyncio.run(services.create_database(found.postgres_server_url, args.database))
        asyncio.run(migrate(url))
        redis_url = common.redis_database(found.redis_url, args.redis_db)

        async def prepare() -> tuple[tuple[int, int], dict[str, Any]]:
            db.configure(url)
            await db.start(max_size=4)
            try:
                started = time.perf_counter()
                place = await _seeded(args.movements)
                if place is None:
                    place = await seed(args.movements, args.access_events)
                    common.say(f"seeded in {time.perf_counter() - started:.0f} s")
                return place, await in_process(url, place[0], args.rounds)
            finally:
                await db.stop()

        (loc, manager), figures = asyncio.run(prepare())
        token = TokenCodec(common.BENCH_SECRET, 3600).issue(TokenClaims(manager, 0))
        with common.api_server(url, redis_url, workers=1) as api:
            figures |= asyncio.run(over_http(api.url, token, loc, 50))
    figures |= {"movements": args.movements, "access_events": args.access_events}
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(figures, handle, indent=2)


if __name__ == "__main__":
    main()
