"""Bulk-load a store with a long history: N packages and M movements, consistent with the ledger.

Going through ``ledger.post`` a million times would take most of an hour, so history is generated
here and COPYed in: each package's movements are a valid hash chain (``domain.hashchain``), every
balance equals its movements in minus out, and no balance ever dips below zero. ``verify`` checks a
sample with the same code the audit job uses. The live part of each benchmark then goes through
the API and the real ledger.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from domain import db, hashchain
from domain.identity.passwords import hash_password
from domain.inventory.audit import verify_location_chains
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from plugins import registry

LICENCE = "C10-0000999-LIC"
CATEGORIES = ["flower", "pre_roll", "vape", "concentrate", "edible", "beverage", "tincture"]
MOVEMENT_COLUMNS = [
    "location",
    "package",
    "sequence",
    "kind",
    "from_zone",
    "to_zone",
    "quantity",
    "reason",
    "note",
    "actor",
    "witness",
    "occurred_at",
    "recorded_at",
    "source_document",
    "idempotency_key",
    "previous_hash",
    "hash",
]


async def seeded(packages: int, movements: int) -> int | None:
    """The bench location's id if it already holds exactly this history."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT l.id, (SELECT count(*) FROM package p WHERE p.location = l.id) AS packages,"
            " (SELECT count(*) FROM movement m WHERE m.location = l.id) AS movements"
            " FROM location l WHERE license_number = $1",
            LICENCE,
        )
    # Earlier bench runs add movements; history at least this long is just as good.
    if row and row["packages"] == packages and row["movements"] >= movements:
        return row["id"]
    return None


async def seed(packages: int, movements: int, *, seed_value: int = 7) -> int:
    """Create the bench store and its history; returns the location id."""
    rng = random.Random(seed_value)
    async with db.connection() as conn:
        await conn.execute(
            "TRUNCATE movement, package_status_change, stock_balance, package, batch, product,"
            " location_grant, app_user, zone, location, operator, idempotency_record"
            " RESTART IDENTITY CASCADE"
        )
    operator_id, location_id, admin_id = await organisation.bootstrap_operator(
        registry.current(),
        "Bench Co",
        organisation.CreateLocation(
            name="Bench Store",
            license_number=LICENCE,
            state="CA",
            timezone="America/Los_Angeles",
            state_system="metrc",
        ),
        "admin@bench.test",
        "Bench Admin",
        "bench-password-1",
    )
    async with db.connection() as conn:
        zones = {
            ZoneKind(r["kind"]): r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", location_id)
        }
        lead_id = await conn.fetchval(
            "INSERT INTO app_user (operator, email, name, password_hash, active, token_version,"
            " created_at) VALUES ($1, 'lead@bench.test', 'Bench Lead', $2, true, 0, now())"
            " RETURNING id",
            operator_id,
            hash_password("bench-password-1"),
        )
        await conn.execute(
            'INSERT INTO location_grant ("user", location, role)'
            " VALUES ($1, $2, 'inventory_lead')",
            lead_id,
            location_id,
        )
        product_ids = await _products(conn, operator_id, 400, rng)
        batch_ids = await _batches(conn, product_ids, rng)
        package_rows = [
            (
                location_id,
                f"1A4BE{n:019d}",
                product_ids[n % len(product_ids)],
                batch_ids[n % len(product_ids)],
            )
            for n in range(packages)
        ]
        package_ids = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO package (location, tag, product, batch, unit, status, movement_count,"
                " last_hash, created_at) SELECT l, t, p, b, 'grams', 'active', 0, $5, now()"
                " FROM unnest($1::int[], $2::text[], $3::int[], $4::int[]) AS x(l, t, p, b)"
                " RETURNING id",
                [r[0] for r in package_rows],
                [r[1] for r in package_rows],
                [r[2] for r in package_rows],
                [r[3] for r in package_rows],
                hashchain.GENESIS,
            )
        ]
    per_package = movements // packages
    chunk = 500
    for start in range(0, len(package_ids), chunk):
        await _history(
            location_id,
            package_ids[start : start + chunk],
            per_package,
            zones,
            (admin_id, lead_id),
            rng,
        )
    async with db.connection() as conn:
        await conn.execute("ANALYZE")
    return location_id


async def _products(conn: asyncpg.Connection, operator_id: int, count: int, rng) -> list[int]:
    rows = await conn.fetch(
        "INSERT INTO product (operator, sku, name, category, unit, price, unit_cost, active,"
        " created_at) SELECT $1, s, n, c, 'grams', 12.00, 5.50, true, now()"
        " FROM unnest($2::text[], $3::text[], $4::text[]) AS x(s, n, c) RETURNING id",
        operator_id,
        [f"BENCH-{i:04d}" for i in range(count)],
        [f"Bench product {i}" for i in range(count)],
        [CATEGORIES[i % len(CATEGORIES)] for i in range(count)],
    )
    return [r["id"] for r in rows]


async def _batches(conn: asyncpg.Connection, product_ids: list[int], rng) -> list[int]:
    today = date.today()
    rows = await conn.fetch(
        "INSERT INTO batch (product, producer_batch_number, lab_status, expires_on, created_at)"
        " SELECT p, n, 'passed', e, now() FROM unnest($1::int[], $2::text[], $3::date[])"
        " AS x(p, n, e) RETURNING id",
        product_ids,
        [f"BB-{p}" for p in product_ids],
        [today + timedelta(days=rng.randint(5, 400)) for _ in product_ids],
    )
    return [r["id"] for r in rows]


async def _history(
    location_id: int,
    package_ids: list[int],
    per_package: int,
    zones: dict[ZoneKind, int],
    actors: tuple[int, int],
    rng: random.Random,
) -> None:
    """One register plus ``per_package - 1`` transfers among vault, floor and reserved each."""
    places = [zones[ZoneKind.VAULT], zones[ZoneKind.SALES_FLOOR], zones[ZoneKind.RESERVED]]
    start = datetime.now(UTC) - timedelta(days=365)
    records: list[tuple] = []
    balances: list[tuple] = []
    heads: list[tuple] = []
    for package_id in package_ids:
        held = {places[0]: Decimal("1000.000")}
        previous, at = hashchain.GENESIS, start
        for sequence in range(1, per_package + 1):
            at += timedelta(minutes=rng.randint(1, 900))
            if sequence == 1:
                kind, source, target, qty = "register", None, places[0], held[places[0]]
            else:
                source = rng.choice([z for z in places if held.get(z, 0) > 0])
                target = rng.choice([z for z in places if z != source])
                qty = min(held[source], Decimal(rng.randint(1, 20000)) / 1000)
                held[source] -= qty
                held[target] = held.get(target, Decimal(0)) + qty
                kind = "transfer"
            facts = {
                "package_id": package_id,
                "sequence": sequence,
                "kind": kind,
                "from_zone_id": source,
                "to_zone_id": target,
                "quantity": qty,
                "reason": None,
                "note": None,
                "actor_id": actors[sequence % 2],
                "witness_id": None,
                "occurred_at": at,
                "source_document": None,
                "idempotency_key": None,
            }
            digest = hashchain.movement_hash(previous, facts)
            records.append(
                (
                    location_id,
                    package_id,
                    sequence,
                    kind,
                    source,
                    target,
                    qty,
                    None,
                    None,
                    actors[sequence % 2],
                    None,
                    at,
                    at,
                    None,
                    None,
                    previous,
                    digest,
                )
            )
            previous = digest
        heads.append((package_id, per_package, previous))
        balances.extend((package_id, zone, location_id, qty, at) for zone, qty in held.items())
    async with db.transaction(), db.connection() as conn:
        await conn.copy_records_to_table("movement", records=records, columns=MOVEMENT_COLUMNS)
        await conn.copy_records_to_table(
            "stock_balance",
            records=balances,
            columns=["package", "zone", "location", "quantity", "updated_at"],
        )
        await conn.executemany(
            "UPDATE package SET movement_count = $2, last_hash = $3 WHERE id = $1", heads
        )


async def verify(location_id: int) -> None:
    """Check the loaded history with the audit code: balances = ledger, every chain intact."""
    async with db.connection() as conn:
        mismatched = await conn.fetchval(
            """
            WITH flows AS (
                SELECT package, to_zone AS zone, quantity FROM movement
                WHERE location = $1 AND to_zone IS NOT NULL
                UNION ALL
                SELECT package, from_zone, -quantity FROM movement
                WHERE location = $1 AND from_zone IS NOT NULL
            )
            SELECT count(*) FROM (SELECT package, zone, sum(quantity) AS q FROM flows
                                  GROUP BY package, zone) l
            FULL JOIN (SELECT package, zone, quantity FROM stock_balance WHERE location = $1) b
              USING (package, zone)
            WHERE coalesce(l.q, 0) <> coalesce(b.quantity, 0)
            """,
            location_id,
        )
    if mismatched:
        raise AssertionError(f"{mismatched} balances disagree with the ledger")
    broken = await verify_location_chains(location_id)
    if broken:
        raise AssertionError(f"{len(broken)} broken chains, first {broken[0]}")
