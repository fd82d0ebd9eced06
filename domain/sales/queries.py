"""Read models for sales and reservations."""

from __future__ import annotations

from typing import Any

from domain import db
from domain.inventory.queries import MAX_PAGE, Page


async def sales_with_lines(sale_ids: list[int]) -> list[tuple[dict[str, Any], list[dict]]]:
    async with db.connection() as conn:
        sales = await conn.fetch("SELECT * FROM sale WHERE id = ANY($1::bigint[])", sale_ids)
        lines = await conn.fetch(
            "SELECT * FROM sale_line WHERE sale = ANY($1::bigint[]) ORDER BY sale, line_number",
            sale_ids,
        )
    by_sale: dict[int, list[dict]] = {}
    for line in lines:
        by_sale.setdefault(line["sale"], []).append(dict(line))
    found = {s["id"]: dict(s) for s in sales}
    return [(found[i], by_sale.get(i, [])) for i in sale_ids if i in found]


async def sales_page(location_id: int, first: int, after: int | None) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM sale WHERE location = $1 AND ($2::bigint IS NULL OR id < $2)"
            f" ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            after,
        )
    return Page([dict(r) for r in rows[:limit]], len(rows) > limit)


async def reservations_with_lines(ids: list[int]) -> list[tuple[dict[str, Any], list[dict]]]:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT * FROM reservation WHERE id = ANY($1::bigint[])", ids)
        lines = await conn.fetch(
            "SELECT * FROM reservation_line WHERE reservation = ANY($1::bigint[]) ORDER BY id",
            ids,
        )
    by_id: dict[int, list[dict]] = {}
    for line in lines:
        by_id.setdefault(line["reservation"], []).append(dict(line))
    found = {r["id"]: dict(r) for r in rows}
    return [(found[i], by_id.get(i, [])) for i in ids if i in found]


async def reservations_page(
    location_id: int, status: str | None, first: int, after: int | None
) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM reservation WHERE location = $1 AND ($2::text IS NULL OR status = $2)"
            f" AND ($3::bigint IS NULL OR id < $3) ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            after,
        )
    return Page([dict(r) for r in rows[:limit]], len(rows) > limit)
