"""Bulk-load a California (METRC) store whose stock sits on the sales floor, ready to sell.

The shape the sales benches need: flower sold by the gram (THC per gram set, so CA's daily
limits can be evaluated), one lab-passed, unexpired batch per product, and every package
registered into the vault then partly moved to the sales floor. Like ``bench.seed`` the
history is generated and COPYed in, consistent with the ledger: each package's two movements
form a valid hash chain, balances equal movements in minus out, and ``bench.seed.verify`` (the
audit's own chain check) passes. Everything after seeding goes through the real services.

Each bench keeps its store in its own database; ``first_location_id`` moves the store's id
away from the small ids tests and demos use, because Redis pub/sub channels
(``<prefix>:events:<redis db>:<location id>``) are shared by every PostgreSQL database that
uses the same Redis database and prefix.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench import common
from bench.seed import MOVEMENT_COLUMNS
from domain import db, hashchain
from domain.identity import services as identity
from domain.identity.tokens import TokenClaims, TokenCodec
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.roles import Role
from plugins import registry

PASSWORD = "bench-password-1"


@dataclass(frozen=True)
class FloorStore:
    location_id: int
    operator_id: int
    zones: dict[ZoneKind, int]
    tags: list[str]
    product_ids: list[int]
    admin_id: int
    lead_id: int
    budtender_id: int

    def token(self, user_id: int, ttl_seconds: int = 4 * 3600) -> str:
        """A bearer token the bench API (started with ``common.BENCH_SECRET``) accepts."""
        return TokenCodec(common.BENCH_SECRET, ttl_seconds).issue(TokenClaims(user_id, 0))


async def _truncate_everything() -> None:
    """Empty every table of this (bench-only) database except piccolo's migration record."""
    async with db.connection() as conn:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'migration'"
            )
        ]
        if tables:
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )


async def seed_floor_store(
    packages: int,
    *,
    licence: str,
    products: int = 300,
    vault_grams: Decimal = Decimal("1000.000"),
    floor_grams: Decimal = Decimal("1000.000"),
    first_location_id: int = 1,
    seed_value: int = 11,
) -> FloorStore:
    """Create the store, its catalogue and ``packages`` packages; returns handles to them."""
    rng = random.Random(seed_value)
    products = min(products, packages)
    await _truncate_everything()
    if first_location_id > 1:
        async with db.connection() as conn:
            await conn.execute("SELECT setval('location_id_seq', $1, false)", first_location_id)
    operator_id, location_id, admin_id = await organisation.bootstrap_operator(
        registry.current(),
        "Bench Sales Co",
        organisation.CreateLocation(
            name="Bench Floor Store",
            license_number=licence,
            state="CA",
            timezone="America/Los_Angeles",
            state_system="metrc",
        ),
        "admin@bench.test",
        "Bench Admin",
        PASSWORD,
    )
    lead_id = await identity.create_user(
        operator_id=operator_id,
        email="lead@bench.test",
        name="Bench Lead",
        password=PASSWORD,
        grants={location_id: Role.INVENTORY_LEAD},
    )
    budtender_id = await identity.create_user(
        operator_id=operator_id,
        email="budtender@bench.test",
        name="Bench Budtender",
        password=PASSWORD,
        grants={location_id: Role.BUDTENDER},
    )
    async with db.connection() as conn:
        zones = {
            ZoneKind(r["kind"]): r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", location_id)
        }
        product_ids = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO product (operator, sku, name, category, unit, thc_mg_per_unit,"
                " price, unit_cost, low_stock_threshold, active, created_at)"
                " SELECT $1, s, n, 'flower', 'grams', t, 12.00, 5.50, 100.000, true, now()"
                " FROM unnest($2::text[], $3::text[], $4::numeric[]) AS x(s, n, t)"
                " ORDER BY s RETURNING id",
                operator_id,
                [f"FLOWER-{i:04d}" for i in range(products)],
                [f"Bench flower {i}" for i in range(products)],
                [Decimal(rng.randint(150, 300)) for _ in range(products)],
            )
        ]
        today = date.today()
        batch_ids = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO batch (product, producer_batch_number, lab_status, expires_on,"
                " created_at) SELECT p, n, 'passed', e, now()"
                " FROM unnest($1::int[], $2::text[], $3::date[]) AS x(p, n, e)"
                " ORDER BY p RETURNING id",
                product_ids,
                [f"FB-{p}" for p in product_ids],
                [today + timedelta(days=rng.randint(60, 400)) for _ in product_ids],
            )
        ]
        tags = [f"1A4CA{location_id % 1000:03d}{n:016d}" for n in range(packages)]
        package_ids = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO package (location, tag, product, batch, unit, status, movement_count,"
                " last_hash, created_at) SELECT $1, t, p, b, 'grams', 'active', 0, $5, now()"
                " FROM unnest($2::text[], $3::int[], $4::int[]) WITH ORDINALITY AS x(t, p, b, o)"
                " ORDER BY o RETURNING id",
                location_id,
                tags,
                [product_ids[n % len(product_ids)] for n in range(packages)],
                [batch_ids[n % len(batch_ids)] for n in range(packages)],
                hashchain.GENESIS,
            )
        ]
    await _history(
        location_id, package_ids, zones, lead_id, vault_grams, floor_grams, rng, chunk=1000
    )
    async with db.connection() as conn:
        await conn.execute("ANALYZE")
    return FloorStore(
        location_id=location_id,
        operator_id=operator_id,
        zones=zones,
        tags=tags,
        product_ids=product_ids,
        admin_id=admin_id,
        lead_id=lead_id,
        budtender_id=budtender_id,
    )


async def _history(
    location_id: int,
    package_ids: list[int],
    zones: dict[ZoneKind, int],
    actor_id: int,
    vault_grams: Decimal,
    floor_grams: Decimal,
    rng: random.Random,
    *,
    chunk: int,
) -> None:
    """Per package: a register into the vault, then a transfer of ``floor_grams`` to the floor."""
    vault, floor = zones[ZoneKind.VAULT], zones[ZoneKind.SALES_FLOOR]
    start = datetime.now(UTC) - timedelta(days=30)
    for first in range(0, len(package_ids), chunk):
        records: list[tuple] = []
        balances: list[tuple] = []
        heads: list[tuple] = []
        for package_id in package_ids[first : first + chunk]:
            registered = start + timedelta(minutes=rng.randint(0, 60 * 24 * 20))
            moved = registered + timedelta(minutes=rng.randint(5, 60 * 24 * 5))
            steps = [
                ("register", None, vault, vault_grams + floor_grams, registered),
                ("transfer", vault, floor, floor_grams, moved),
            ]
            previous = hashchain.GENESIS
            for sequence, (kind, source, target, quantity, at) in enumerate(steps, start=1):
                facts = {
                    "package_id": package_id,
                    "sequence": sequence,
                    "kind": kind,
                    "from_zone_id": source,
                    "to_zone_id": target,
                    "quantity": quantity,
                    "reason": None,
                    "note": None,
                    "actor_id": actor_id,
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
                        quantity,
                        None,
                        None,
                        actor_id,
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
            heads.append((package_id, len(steps), previous))
            balances.append((package_id, vault, location_id, vault_grams, moved))
            balances.append((package_id, floor, location_id, floor_grams, moved))
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
