"""Read models for sales and reservations: each with its lines, as the screens show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain import db
from domain.inventory.queries import MAX_PAGE, Page

_SALE_COLUMNS = (
    "id, location AS location_id, register, pos_receipt_id, customer_type, status, external_id,"
    " total, warnings, occurred_at"
)
_SALE_LINE_COLUMNS = (
    "sale AS sale_id, line_number, package AS package_id, zone AS zone_id, quantity,"
    " returned_quantity, unit_price, discount, sales_tax, excise_tax, total"
)
_RESERVATION_COLUMNS = (
    "id, location AS location_id, order_ref, channel, partner, status, expires_at, created_at,"
    " closed_at, sale AS sale_id"
)
_RESERVATION_LINE_COLUMNS = (
    "reservation AS reservation_id, package AS package_id, from_zone AS from_zone_id, quantity"
)


@dataclass(frozen=True)
class SaleLineRow:
    sale_id: int
    line_number: int
    package_id: int
    zone_id: int
    quantity: Decimal
    returned_quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    sales_tax: Decimal
    excise_tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class SaleRow:
    """A POS receipt as the ledger recorded it, with its lines in receipt order."""

    id: int
    location_id: int
    register: str
    pos_receipt_id: str
    customer_type: str
    status: str
    external_id: str
    total: Decimal
    warnings: list[str]
    occurred_at: datetime
    lines: tuple[SaleLineRow, ...]


@dataclass(frozen=True)
class ReservationLineRow:
    reservation_id: int
    package_id: int
    from_zone_id: int
    quantity: Decimal


@dataclass(frozen=True)
class ReservationRow:
    """An online order's held stock, with its lines in the order they were reserved."""

    id: int
    location_id: int
    order_ref: str
    channel: str
    partner: str | None
    status: str
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    sale_id: int | None
    lines: tuple[ReservationLineRow, ...]


async def sales_with_lines(sale_ids: list[int]) -> list[SaleRow]:
    """The sales with these ids that exist, in the order asked, each with its lines."""
    async with db.connection() as conn:
        sales = await conn.fetch(
            f"SELECT {_SALE_COLUMNS} FROM sale WHERE id = ANY($1::bigint[])", sale_ids
        )
        lines = await conn.fetch(
            f"SELECT {_SALE_LINE_COLUMNS} FROM sale_line WHERE sale = ANY($1::bigint[])"
            " ORDER BY sale, line_number",
            sale_ids,
        )
    by_sale: dict[int, list[SaleLineRow]] = {}
    for line in lines:
        by_sale.setdefault(line["sale_id"], []).append(SaleLineRow(**line))
    found = {s["id"]: s for s in sales}
    return [
        SaleRow(
            **{**found[i], "warnings": list(found[i]["warnings"])},
            lines=tuple(by_sale.get(i, ())),
        )
        for i in sale_ids
        if i in found
    ]


async def sales_page(location_id: int, first: int, after: int | None) -> Page[SaleRow]:
    """Newest first."""
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM sale WHERE location = $1 AND ($2::bigint IS NULL OR id < $2)"
            f" ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            after,
        )
    return Page(await sales_with_lines([r["id"] for r in rows[:limit]]), len(rows) > limit)


async def reservations_with_lines(ids: list[int]) -> list[ReservationRow]:
    """The reservations with these ids that exist, in the order asked, each with its lines."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_RESERVATION_COLUMNS} FROM reservation WHERE id = ANY($1::bigint[])", ids
        )
        lines = await conn.fetch(
            f"SELECT {_RESERVATION_LINE_COLUMNS} FROM reservation_line"
            " WHERE reservation = ANY($1::bigint[]) ORDER BY id",
            ids,
        )
    by_id: dict[int, list[ReservationLineRow]] = {}
    for line in lines:
        by_id.setdefault(line["reservation_id"], []).append(ReservationLineRow(**line))
    found = {r["id"]: r for r in rows}
    return [ReservationRow(**found[i], lines=tuple(by_id.get(i, ()))) for i in ids if i in found]


async def reservations_page(
    location_id: int, status: str | None, first: int, after: int | None
) -> Page[ReservationRow]:
    """Newest first."""
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM reservation WHERE location = $1 AND ($2::text IS NULL OR status = $2)"
            f" AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            after,
        )
    return Page(await reservations_with_lines([r["id"] for r in rows[:limit]]), len(rows) > limit)
