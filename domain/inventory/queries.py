"""Read models over the ledger: pages of packages and movements, balances, stock summaries.

Pages use keyset pagination on ids (stable under concurrent inserts, constant cost at any depth).
Every function takes the location ids the caller may read; rows elsewhere are never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from domain import db
from domain.catalog.model import Category
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.quantities import Unit
from domain.rows import returned

MAX_PAGE = 100

PACKAGE_COLUMNS = (
    "p.id, p.location AS location_id, p.tag, p.product AS product_id, p.batch AS batch_id,"
    " p.unit, p.status, p.status_reason, p.unit_cost, p.movement_count, p.last_hash,"
    " p.last_counted_at, p.created_at"
)
MOVEMENT_COLUMNS = (
    "m.id, m.location AS location_id, m.package AS package_id, m.sequence, m.kind,"
    " m.from_zone AS from_zone_id, m.to_zone AS to_zone_id, m.quantity, m.reason, m.note,"
    " m.actor AS actor_id, m.witness AS witness_id, m.occurred_at, m.recorded_at,"
    " m.source_document, m.idempotency_key, m.previous_hash, m.hash"
)


T = TypeVar("T")


@dataclass(frozen=True)
class PackageRow:
    """A package as the screens see it (quantities live in its balances)."""

    id: int
    location_id: int
    tag: str
    product_id: int
    batch_id: int | None
    unit: Unit
    status: PackageStatus
    status_reason: str | None
    unit_cost: Decimal | None
    movement_count: int
    last_hash: str
    last_counted_at: datetime | None
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> PackageRow:
        return cls(**{**r, "unit": Unit(r["unit"]), "status": PackageStatus(r["status"])})


@dataclass(frozen=True)
class MovementRow:
    """One movement of the ledger, as written (see ``domain.hashchain`` for what it proves)."""

    id: int
    location_id: int
    package_id: int
    sequence: int
    kind: MovementKind
    from_zone_id: int | None
    to_zone_id: int | None
    quantity: Decimal
    reason: AdjustmentReason | None
    note: str | None
    actor_id: int
    witness_id: int | None
    occurred_at: datetime
    recorded_at: datetime
    source_document: str | None
    idempotency_key: str | None
    previous_hash: str
    hash: str

    @classmethod
    def from_record(cls, r: Any) -> MovementRow:
        reason = r["reason"]
        return cls(
            **{
                **r,
                "kind": MovementKind(r["kind"]),
                "reason": AdjustmentReason(reason) if reason else None,
            }
        )


@dataclass(frozen=True)
class BalanceRow:
    package_id: int
    zone_id: int
    quantity: Decimal
    updated_at: datetime


@dataclass(frozen=True)
class StockSummaryRow:
    """Stock of one category and unit in one zone, and its value at cost."""

    zone_id: int
    category: Category
    unit: Unit
    package_count: int
    quantity: Decimal
    cost_value: Decimal

    @classmethod
    def from_record(cls, r: Any) -> StockSummaryRow:
        return cls(**{**r, "category": Category(r["category"]), "unit": Unit(r["unit"])})


@dataclass(frozen=True)
class PackageFilter:
    location_id: int
    zone_id: int | None = None
    status: str | None = None
    category: str | None = None
    product_id: int | None = None
    batch_id: int | None = None
    expiring_before: date | None = None
    tag_contains: str | None = None


@dataclass(frozen=True)
class MovementFilter:
    location_id: int
    package_id: int | None = None
    zone_id: int | None = None
    kind: str | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of rows (a query module's frozen row dataclasses) and whether more follow."""

    rows: list[T]
    has_next: bool


class _Where:
    """Accumulates parameterised conditions; each ``?`` in one condition is the same $n."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []

    def add(self, template: str, value: Any) -> None:
        self.args.append(value)
        self.parts.append(template.replace("?", f"${len(self.args)}"))

    def sql(self) -> str:
        return " AND ".join(self.parts) if self.parts else "true"


def _limit(first: int) -> int:
    return max(1, min(first, MAX_PAGE))


async def packages_page(f: PackageFilter, first: int, after: int | None) -> Page[PackageRow]:
    where = _Where()
    where.add("p.location = ?", f.location_id)
    joins = ""
    if f.zone_id is not None:
        where.add(
            "EXISTS (SELECT 1 FROM stock_balance sb WHERE sb.package = p.id"
            " AND sb.zone = ? AND sb.quantity > 0)",
            f.zone_id,
        )
    if f.status is not None:
        where.add("p.status = ?", f.status)
    if f.product_id is not None:
        where.add("p.product = ?", f.product_id)
    if f.batch_id is not None:
        where.add("p.batch = ?", f.batch_id)
    if f.category is not None:
        joins += " JOIN product pr ON pr.id = p.product"
        where.add("pr.category = ?", f.category)
    if f.expiring_before is not None:
        joins += " JOIN batch b ON b.id = p.batch"
        where.add("b.expires_on < ?", f.expiring_before)
    if f.tag_contains:
        where.add("p.tag ILIKE ?", "%" + _escape_like(f.tag_contains.strip()) + "%")
    if after is not None:
        where.add("p.id > ?", after)
    limit = _limit(first)
    sql = (
        f"SELECT {PACKAGE_COLUMNS} FROM package p{joins} WHERE {where.sql()}"
        f" ORDER BY p.id LIMIT {limit + 1}"
    )
    async with db.connection() as conn:
        rows = [PackageRow.from_record(r) for r in await conn.fetch(sql, *where.args)]
    return Page(rows[:limit], len(rows) > limit)


async def package_by_tag(location_id: int, tag: str) -> PackageRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {PACKAGE_COLUMNS} FROM package p WHERE p.location = $1 AND p.tag = $2",
            location_id,
            tag.strip(),
        )
    return PackageRow.from_record(row) if row else None


async def packages_by_ids(ids: Sequence[int]) -> list[PackageRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {PACKAGE_COLUMNS} FROM package p WHERE p.id = ANY($1::int[])", list(ids)
        )
    return [PackageRow.from_record(r) for r in rows]


async def balances_by_package(package_ids: Sequence[int]) -> list[BalanceRow]:
    """Non-empty balances of these packages, zone by zone."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT package AS package_id, zone AS zone_id, quantity, updated_at"
            " FROM stock_balance WHERE package = ANY($1::int[]) AND quantity > 0"
            " ORDER BY package, zone",
            list(package_ids),
        )
    return [BalanceRow(**r) for r in rows]


async def movements_page(f: MovementFilter, first: int, after: int | None) -> Page[MovementRow]:
    """Newest first."""
    where = _Where()
    where.add("m.location = ?", f.location_id)
    if f.package_id is not None:
        where.add("m.package = ?", f.package_id)
    if f.zone_id is not None:
        where.add("(m.from_zone = ? OR m.to_zone = ?)", f.zone_id)
    if f.kind is not None:
        where.add("m.kind = ?", f.kind)
    if f.actor_id is not None:
        where.add("m.actor = ?", f.actor_id)
    if f.since is not None:
        where.add("m.occurred_at >= ?", f.since)
    if f.until is not None:
        where.add("m.occurred_at < ?", f.until)
    if after is not None:
        where.add("m.id < ?", after)
    limit = _limit(first)
    sql = (
        f"SELECT {MOVEMENT_COLUMNS} FROM movement m WHERE {where.sql()}"
        f" ORDER BY m.id DESC LIMIT {limit + 1}"
    )
    async with db.connection() as conn:
        rows = [MovementRow.from_record(r) for r in await conn.fetch(sql, *where.args)]
    return Page(rows[:limit], len(rows) > limit)


async def package_history(package_id: int) -> list[dict[str, Any]]:
    """Every movement of a package in chain order, as the facts ``domain.hashchain`` hashes."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {MOVEMENT_COLUMNS} FROM movement m WHERE m.package = $1 ORDER BY m.sequence",
            package_id,
        )
    return [dict(r) for r in rows]


async def movements_by_ids(ids: Sequence[int]) -> list[MovementRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {MOVEMENT_COLUMNS} FROM movement m WHERE m.id = ANY($1::bigint[])",
            list(ids),
        )
    return [MovementRow.from_record(r) for r in rows]


async def stock_summary(location_id: int) -> list[StockSummaryRow]:
    """Quantity and package count per zone, category and unit (units are never summed together)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT sb.zone AS zone_id, pr.category, p.unit,
                   count(DISTINCT sb.package) AS package_count, sum(sb.quantity) AS quantity,
                   sum(sb.quantity * coalesce(p.unit_cost, pr.unit_cost)) AS cost_value
            FROM stock_balance sb
            JOIN package p ON p.id = sb.package
            JOIN product pr ON pr.id = p.product
            WHERE sb.zone IN (SELECT id FROM zone WHERE location = $1) AND sb.quantity > 0
            GROUP BY sb.zone, pr.category, p.unit
            ORDER BY sb.zone, pr.category, p.unit
            """,
            location_id,
        )
    return [StockSummaryRow.from_record(r) for r in rows]


@dataclass(frozen=True)
class ProductStockInZone:
    """A package's quantity in one zone, and all of its product in zones of that kind."""

    quantity: Decimal
    product_quantity: Decimal


async def product_stock_in_zone(
    *, package_id: int, zone_id: int, product_id: int, location_id: int, zone_kind: str
) -> ProductStockInZone:
    async with db.connection() as conn:
        row = returned(
            await conn.fetchrow(
                """
            SELECT coalesce(sum(sb.quantity) FILTER (WHERE sb.package = $1
                            AND sb.zone = $2), 0) AS quantity,
                   coalesce(sum(sb.quantity), 0) AS product_quantity
            FROM stock_balance sb
            JOIN package p ON p.id = sb.package
            JOIN zone z ON z.id = sb.zone
            WHERE p.product = $3 AND z.location = $4 AND z.kind = $5
            """,
                package_id,
                zone_id,
                product_id,
                location_id,
                zone_kind,
            )
        )
    return ProductStockInZone(row["quantity"], row["product_quantity"])


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
