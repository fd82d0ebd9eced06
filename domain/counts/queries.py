"""Read functions over count sessions, returning frozen rows; and who is blind to what.

Blindness: while a blind session is open (or waiting for its recount), its counter, recounter
and witness must not learn the books' quantities of what they count. ``blind_scope`` names the
zones and packages hidden from one person; the stock read models (``api/packages/types.py``,
``api/stock/resolvers.py``) drop balances, movements and totals inside it for that person only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.counts.model import BLIND_WHILE, CountPolicyRules


@dataclass(frozen=True)
class CountSessionRow:
    id: int
    location_id: int
    kind: str
    zones: list[int]
    packages: list[int]
    products: list[int]
    blind: bool
    status: str
    counter_id: int
    witness_id: int | None
    witness_joined_at: datetime | None
    round: int
    recounter_id: int | None
    started_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    submitted_by_id: int | None
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str | None
    variance_units: Decimal | None
    variance_grams: Decimal | None
    variance_value: Decimal | None
    unscanned_packages: list[int]
    updated_at: datetime

    def takes_part(self, user_id: int) -> bool:
        return user_id in (self.counter_id, self.witness_id, self.recounter_id)

    @property
    def hides_expected(self) -> bool:
        return self.blind and self.status in BLIND_WHILE


@dataclass(frozen=True)
class CountLineRow:
    id: int
    session_id: int
    line_key: str
    round: int
    package_id: int | None
    tag: str
    zone_id: int | None
    counted_quantity: Decimal
    unit: str
    counted_at: datetime
    received_at: datetime
    counter_id: int
    witness_id: int | None
    finding: str | None
    expected_at_start: Decimal | None
    netted_quantity: Decimal | None
    expected_quantity: Decimal | None
    variance: Decimal | None
    variance_value: Decimal | None
    conflict: bool
    requires_recount: bool
    superseded: bool
    recount_of: int | None


SESSION_COLUMNS = (
    "id, location AS location_id, kind, zones, packages, products, blind, status,"
    " counter AS counter_id, witness AS witness_id, witness_joined_at, round,"
    " recounter AS recounter_id, started_at, expires_at, submitted_at,"
    " submitted_by AS submitted_by_id, decided_by AS decided_by_id, decided_at, decision_note,"
    " variance_units, variance_grams, variance_value, unscanned_packages, updated_at"
)
LINE_COLUMNS = (
    "id, session AS session_id, line_key, round, package AS package_id, tag, zone AS zone_id,"
    " counted_quantity, unit, counted_at, received_at, counter AS counter_id,"
    " witness AS witness_id, finding, expected_at_start, netted_quantity, expected_quantity,"
    " variance, variance_value, conflict, requires_recount, superseded, recount_of"
)


# The SELECT lists name the columns in the dataclasses' field order: rows build positionally
# (a 2,000-line count is read at every submission).
assert [c.split(" AS ")[-1].strip() for c in SESSION_COLUMNS.split(",")] == [
    f.name for f in fields(CountSessionRow)
]
assert [c.split(" AS ")[-1].strip() for c in LINE_COLUMNS.split(",")] == [
    f.name for f in fields(CountLineRow)
]


def session_row(row: Any) -> CountSessionRow:
    return CountSessionRow(*row)


def line_row(row: Any) -> CountLineRow:
    return CountLineRow(*row)


async def session(session_id: int, *, for_update: bool = False) -> CountSessionRow | None:
    lock = " FOR UPDATE" if for_update else ""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM count_session WHERE id = $1{lock}", session_id
        )
    return session_row(row) if row else None


async def sessions(
    location_id: int, status: str | None, first: int, after: int | None
) -> tuple[list[CountSessionRow], bool]:
    """Newest first, keyset-paginated by id."""
    limit = max(1, min(first, 100))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {SESSION_COLUMNS} FROM count_session WHERE location = $1"
            " AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)"
            f" ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            after,
        )
    return [session_row(r) for r in rows[:limit]], len(rows) > limit


async def sessions_by_ids(ids: Sequence[int]) -> list[CountSessionRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {SESSION_COLUMNS} FROM count_session WHERE id = ANY($1::bigint[])", list(ids)
        )
    return [session_row(r) for r in rows]


async def lines(session_id: int) -> list[CountLineRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {LINE_COLUMNS} FROM count_line WHERE session = $1 ORDER BY id", session_id
        )
    return [line_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ScannedLine:
    """What a submission reads of a line: the scans of our packages in a zone."""

    id: int
    package_id: int | None
    zone_id: int | None
    round: int
    finding: str | None
    counted_at: datetime
    counted_quantity: Decimal


async def scanned_lines(session_id: int) -> list[ScannedLine]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, package, zone, round, finding, counted_at, counted_quantity"
            " FROM count_line WHERE session = $1 AND package IS NOT NULL AND zone IS NOT NULL"
            " AND finding IS NULL",
            session_id,
        )
    return [ScannedLine(*r) for r in rows]


async def policy_for(location_id: int) -> CountPolicyRules:
    """The location's session settings, or the defaults when it has no policy row."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT two_person_zone_kinds, two_person_above_threshold,"
            " variance_quantity_threshold, variance_value_threshold, session_limit_hours, blind"
            " FROM count_policy WHERE location = $1",
            location_id,
        )
    if row is None:
        return CountPolicyRules()
    return CountPolicyRules(
        two_person_zone_kinds=frozenset(row["two_person_zone_kinds"] or ()),
        two_person_above_threshold=row["two_person_above_threshold"],
        variance_quantity_threshold=row["variance_quantity_threshold"],
        variance_value_threshold=row["variance_value_threshold"],
        session_limit_hours=row["session_limit_hours"],
        blind=row["blind"],
    )


@dataclass(frozen=True)
class BlindScope:
    """What one person may not see quantities of right now (empty for almost everyone)."""

    zones: frozenset[int] = frozenset()
    packages: frozenset[int] = frozenset()
    tags: frozenset[str] = frozenset()  # the packages' tags (read models keyed by tag)
    # The packages' products: a product-wide figure (a floor total, an order's shortage) sums
    # the counted packages in.
    products: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.zones or self.packages)

    def hides(self, package_id: int | None, zone_id: int | None) -> bool:
        return package_id in self.packages or zone_id in self.zones


NOBODY_BLIND = BlindScope()


async def blind_scope(user_id: int) -> BlindScope:
    """Zones and packages under a blind count ``user_id`` takes part in (one query, which finds
    no session for almost everyone).

    The packages are the spot list (and every package of its products), and every package the
    counted zones hold: their balances elsewhere and their whole history would give the counted
    quantity away as surely as the zone's balance.
    """
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            WITH mine AS (
                SELECT location, zones, packages, products FROM count_session
                WHERE blind AND status = ANY($2::text[])
                  AND (counter = $1 OR witness = $1 OR recounter = $1)
            ), ids AS (
                SELECT unnest(packages) AS id FROM mine
                UNION SELECT p.id FROM mine m
                    JOIN package p ON p.location = m.location AND p.product = ANY(m.products)
                UNION SELECT sb.package FROM mine m
                    JOIN stock_balance sb ON sb.zone = ANY(m.zones) AND sb.quantity > 0
            )
            SELECT 'zone' AS part, unnest(zones) AS id, NULL::text AS tag, NULL::int AS product
            FROM mine
            UNION ALL SELECT 'package', p.id, p.tag, p.product
            FROM ids JOIN package p ON p.id = ids.id
            """,
            user_id,
            [str(s) for s in BLIND_WHILE],
        )
    if not rows:
        return NOBODY_BLIND
    zones = frozenset(r["id"] for r in rows if r["part"] == "zone")
    packages = [r for r in rows if r["part"] == "package"]
    return BlindScope(
        zones,
        frozenset(r["id"] for r in packages),
        frozenset(r["tag"] for r in packages),
        frozenset(r["product"] for r in packages),
    )
