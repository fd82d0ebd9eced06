"""Two years of one store's history for the audit-packet bench, COPYed in a consistent ledger.

Each package is received into the vault, restocked to the floor, sold from it (with the sale,
its line and its sent state report), sometimes voided or returned, written off with a reason
or written on by a count correction, and what was returned is destroyed from quarantine. Every
package's movements form a valid hash chain (``domain.hashchain``), balances equal movements in
minus out and never dip below zero (jsonb columns keep their defaults: binary COPY
has no jsonb encoder). Generated and loaded a few hundred packages at a time, so
the seeder's own memory stays flat.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import db, hashchain
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from plugins import registry

LICENCE = "C10-0000914-LIC"
CATEGORIES = ["flower", "pre_roll", "vape", "concentrate", "edible", "beverage", "tincture"]
REASONS = ["damage", "expired", "sample", "qa_testing", "packaging_waste", "theft", "other"]
MOVEMENT_COLUMNS = [
    "id",
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
SALE_COLUMNS = [
    "id",
    "location",
    "register",
    "pos_receipt_id",
    "customer_type",
    "status",
    "external_id",
    "total",
    "sold_by",
    "occurred_at",
    "voided_at",
    "void_reason",
]
LINE_COLUMNS = [
    "sale",
    "line_number",
    "package",
    "product",
    "zone",
    "quantity",
    "returned_quantity",
    "unit_price",
    "discount",
    "sales_tax",
    "excise_tax",
    "total",
    "movement",
    "location",
]
REPORT_COLUMNS = [
    "location",
    "kind",
    "status",
    "movements",
    "tags",
    "external_id",
    "attempts",
    "outcome_unknown",
    "occurred_at",
    "next_attempt_at",
    "overdue_alerted",
    "state_ids",
    "created_at",
    "sent_at",
    "updated_at",
]
CHUNK = 250
PRICE = Decimal("10.00")


async def seeded(movements: int) -> int | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT l.id, (SELECT count(*) FROM movement m WHERE m.location = l.id) AS n"
            " FROM location l WHERE license_number = $1",
            LICENCE,
        )
    # The generator lands within a few hundred movements of the number asked for.
    if row and abs(row["n"] - movements) <= movements * 0.05:
        return row["id"]
    return None


async def seed(movements: int, days: int, *, seed_value: int = 14) -> int:
    """The store with about ``movements`` movements over the last ``days`` days."""
    rng = random.Random(seed_value)
    async with db.connection() as conn:
        tables = (
            "audit_packet, state_report, sale_line, sale, movement, stock_balance, package,"
            " batch, product, location_grant, app_user, zone, location, operator,"
            " idempotency_record"
        )
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    operator_id, location_id, admin_id = await organisation.bootstrap_operator(
        registry.current(),
        "Packet Bench Co",
        organisation.CreateLocation(
            name="Packet Bench Store",
            license_number=LICENCE,
            state="CA",
            timezone="America/Los_Angeles",
            state_system="metrc",
        ),
        "admin@packet-bench.test",
        "Bench Admin",
        "bench-password-1",
    )
    per_package = 125
    packages = max(1, movements // per_package)
    async with db.connection() as conn:
        zones = {
            ZoneKind(r["kind"]): r["id"]
            for r in await conn.fetch("SELECT id, kind FROM zone WHERE location = $1", location_id)
        }
        products = [
            r["id"]
            for r in await conn.fetch(
                "INSERT INTO product (operator, sku, name, category, unit, price, unit_cost,"
                " active, created_at) SELECT $1, s, s, c, 'grams', 10.00, 4.50, true, now()"
                " FROM unnest($2::text[], $3::text[]) AS x(s, c) RETURNING id",
                operator_id,
                [f"PB-{i:04d}" for i in range(200)],
                [CATEGORIES[i % len(CATEGORIES)] for i in range(200)],
            )
        ]
        package_rows = await conn.fetch(
            "INSERT INTO package (location, tag, product, unit, status, movement_count, last_hash,"
            " created_at) SELECT $1, t, p, 'grams', 'active', 0, $4, now()"
            " FROM unnest($2::text[], $3::int[]) AS x(t, p) RETURNING id, tag, product",
            location_id,
            [f"1A4PB{n:019d}" for n in range(packages)],
            [products[n % len(products)] for n in range(packages)],
            hashchain.GENESIS,
        )
    counters = {"movement": 0, "sale": 0}
    start = datetime.now(UTC) - timedelta(days=days)
    for at in range(0, len(package_rows), CHUNK):
        await _chunk(
            location_id,
            [dict(r) for r in package_rows[at : at + CHUNK]],
            per_package,
            zones,
            admin_id,
            start,
            days,
            counters,
            rng,
        )
    async with db.connection() as conn:
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('movement', 'id'), $1)", counters["movement"]
        )
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence('sale', 'id'), $1)", max(1, counters["sale"])
        )
        await conn.execute("ANALYZE")
    return location_id


class _Batch:
    def __init__(self) -> None:
        self.movements: list[tuple] = []
        self.sales: list[tuple] = []
        self.lines: list[tuple] = []
        self.reports: list[tuple] = []
        self.balances: list[tuple] = []
        self.heads: list[tuple] = []


class _Chain:
    """One package's movements as they are generated: its hash chain and its balances."""

    def __init__(
        self,
        package_id: int,
        location_id: int,
        actor: int,
        at: datetime,
        zones: tuple[int, ...],
        out: _Batch,
        counters: dict[str, int],
    ) -> None:
        self.package_id, self.location_id, self.actor = package_id, location_id, actor
        self.at = at
        self.held = {zone: Decimal(0) for zone in zones}
        self.previous, self.seq = hashchain.GENESIS, 0
        self.out, self.counters = out, counters

    def move(
        self,
        kind: str,
        source: int | None,
        target: int | None,
        qty: Decimal,
        reason: str | None = None,
        document: str | None = None,
    ) -> int:
        self.seq += 1
        self.counters["movement"] += 1
        mid = self.counters["movement"]
        facts = {
            "package_id": self.package_id,
            "sequence": self.seq,
            "kind": kind,
            "from_zone_id": source,
            "to_zone_id": target,
            "quantity": qty,
            "reason": reason,
            "note": None,
            "actor_id": self.actor,
            "witness_id": None,
            "occurred_at": self.at,
            "source_document": document,
            "idempotency_key": None,
        }
        digest = hashchain.movement_hash(self.previous, facts)
        self.out.movements.append(
            (mid, self.location_id, self.package_id, self.seq, kind, source, target, qty, reason,
             None, self.actor, None, self.at, self.at, document, None, self.previous, digest)
        )  # fmt: skip
        self.previous = digest
        if source is not None:
            self.held[source] -= qty
        if target is not None:
            self.held[target] += qty
        return mid


async def _chunk(
    location_id: int,
    packages: list[dict],
    per_package: int,
    zones: dict[ZoneKind, int],
    actor: int,
    start: datetime,
    days: int,
    counters: dict[str, int],
    rng: random.Random,
) -> None:
    vault, floor = zones[ZoneKind.VAULT], zones[ZoneKind.SALES_FLOOR]
    quarantine = zones[ZoneKind.QUARANTINE]
    out = _Batch()
    for package in packages:
        pid, tag = package["id"], package["tag"]
        # About 60 days of life each (at most 90 with the jitter), all of it before today.
        life = timedelta(days=60)
        latest = timedelta(days=days) - timedelta(days=95)
        chain = _Chain(
            pid,
            location_id,
            actor,
            start + timedelta(seconds=rng.uniform(0, latest.total_seconds())),
            (vault, floor, quarantine),
            out,
            counters,
        )
        held, move = chain.held, chain.move
        step = life / per_package
        last_sale: tuple[int, Decimal, int] | None = None

        move("receive", None, vault, Decimal(1000), document=f"manifest:M-{pid}")
        while chain.seq < per_package - 1:
            chain.at += step * rng.uniform(0.5, 1.5)
            at = chain.at
            roll = rng.random()
            if held[floor] < 10 and held[vault] > 0:
                move("transfer", vault, floor, min(held[vault], Decimal(100)))
            elif roll < 0.70 and held[floor] >= 1:
                qty = Decimal(rng.choice(("1", "2", "3.5", "7")))
                qty = min(qty, held[floor])
                counters["sale"] += 1
                sale_id = counters["sale"]
                mid = move("sale", floor, None, qty, document=f"sale:{sale_id}")
                total = qty * PRICE
                out.sales.append(
                    (sale_id, location_id, "R1", f"P{sale_id}", "adult_use", "completed",
                     f"LL{location_id}-S{sale_id}", total, actor, at, None, None)
                )  # fmt: skip
                out.lines.append(
                    (sale_id, 1, pid, package["product"], floor, qty, Decimal(0), PRICE,
                     Decimal(0), Decimal(0), Decimal(0), total, mid, location_id)
                )  # fmt: skip
                sent = at + timedelta(seconds=rng.uniform(1, 90))
                out.reports.append(
                    (location_id, "sale", "sent", [mid], [tag], f"LL{location_id}-S{sale_id}",
                     1, False, at, at, False, [str(sale_id)], at, sent, sent)
                )  # fmt: skip
                last_sale = (sale_id, qty, len(out.sales) - 1)
            elif roll < 0.73 and last_sale is not None:
                sale_id, qty, index = last_sale
                move("void", None, floor, qty, document=f"void:{sale_id}")
                out.sales[index] = (*out.sales[index][:5], "voided", *out.sales[index][6:10],
                                    at, "rang up twice")  # fmt: skip
                last_sale = None
            elif roll < 0.76:
                returned = f"return:{pid}:{chain.seq}"
                move("return", None, quarantine, Decimal("0.5"), document=returned)
            elif roll < 0.84 and held[floor] >= 1:
                move("adjust", floor, None, Decimal("0.25"), reason=rng.choice(REASONS))
            elif roll < 0.88:
                move("adjust", None, vault, Decimal("0.1"), reason="count_correction")
            elif held[floor] >= 2:
                move("transfer", floor, vault, Decimal(1))
            else:
                move("adjust", None, vault, Decimal("0.1"), reason="count_correction")
        if held[quarantine] > 0:
            chain.at += step
            move("destroy", quarantine, None, held[quarantine], reason="expired")
        out.heads.append((pid, chain.seq, chain.previous))
        out.balances.extend(
            (pid, zone, location_id, qty, chain.at) for zone, qty in held.items() if qty > 0
        )
    if any(m[7] <= 0 for m in out.movements):
        raise AssertionError("the generator produced a non-positive movement")
    async with db.transaction(), db.connection() as conn:
        await conn.copy_records_to_table(
            "movement", records=out.movements, columns=MOVEMENT_COLUMNS
        )
        await conn.copy_records_to_table("sale", records=out.sales, columns=SALE_COLUMNS)
        await conn.copy_records_to_table("sale_line", records=out.lines, columns=LINE_COLUMNS)
        await conn.copy_records_to_table(
            "state_report", records=out.reports, columns=REPORT_COLUMNS
        )
        await conn.copy_records_to_table(
            "stock_balance",
            records=out.balances,
            columns=["package", "zone", "location", "quantity", "updated_at"],
        )
        await conn.executemany(
            "UPDATE package SET movement_count = $2, last_hash = $3 WHERE id = $1", out.heads
        )
