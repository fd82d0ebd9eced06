"""Repackaging in Postgres: the inputs and products a repack names, the lineage batch, the new
packages and the repack record; and the reads the API shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db, hashchain
from domain.catalog.model import LabStatus
from domain.errors import ValidationError
from domain.rows import returned


@dataclass(frozen=True)
class InputPackage:
    id: int
    tag: str
    product_id: int
    product_name: str
    unit: str
    unit_weight_grams: Decimal | None
    unit_cost: Decimal | None
    batch_id: int | None
    batch_number: str | None
    expires_on: date | None
    sell_by: date | None
    lab_status: str | None
    status: str


@dataclass(frozen=True)
class OutputProduct:
    id: int
    name: str
    unit: str
    unit_weight_grams: Decimal | None


async def inputs(location_id: int, tags: Sequence[str]) -> dict[str, InputPackage]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT p.id, p.tag, p.product, pr.name, p.unit, pr.unit_weight_grams,"
            " coalesce(p.unit_cost, pr.unit_cost) AS unit_cost,"
            " p.batch, b.producer_batch_number, b.expires_on, b.sell_by, b.lab_status, p.status"
            " FROM package p JOIN product pr ON pr.id = p.product"
            " LEFT JOIN batch b ON b.id = p.batch"
            " WHERE p.location = $1 AND p.tag = ANY($2::text[])",
            location_id,
            list(tags),
        )
    return {
        r["tag"]: InputPackage(
            r["id"],
            r["tag"],
            r["product"],
            r["name"],
            r["unit"],
            r["unit_weight_grams"],
            r["unit_cost"],
            r["batch"],
            r["producer_batch_number"],
            r["expires_on"],
            r["sell_by"],
            r["lab_status"],
            r["status"],
        )
        for r in rows
    }


async def tag_elsewhere(operator_id: int, location_id: int, tag: str) -> bool:
    """Whether the operator holds ``tag`` at another of its locations."""
    async with db.connection() as conn:
        return bool(
            await conn.fetchval(
                "SELECT 1 FROM package p JOIN location l ON l.id = p.location"
                " WHERE p.tag = $1 AND p.location <> $2 AND l.operator = $3",
                tag,
                location_id,
                operator_id,
            )
        )


async def products(operator_id: int, ids: Sequence[int]) -> dict[int, OutputProduct]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, name, unit, unit_weight_grams FROM product"
            " WHERE operator = $1 AND id = ANY($2::int[])",
            operator_id,
            list(ids),
        )
    return {
        r["id"]: OutputProduct(r["id"], r["name"], r["unit"], r["unit_weight_grams"]) for r in rows
    }


def _lab(statuses: Sequence[str | None]) -> str:
    """The lab status the output inherits: passed only when every input passed."""
    known = {s or LabStatus.PENDING for s in statuses}
    if known == {LabStatus.PASSED}:
        return LabStatus.PASSED
    if LabStatus.FAILED in known:
        return LabStatus.FAILED
    return LabStatus.PENDING


async def lineage_batch(product_id: int, sources: Sequence[InputPackage]) -> int | None:
    """The batch an output is tracked under: the inputs' own batch when they share one of this
    product; otherwise a batch of the output product named after the earliest-expiring input
    batch, expiring with it, passed only if every input passed."""
    batch_ids = {s.batch_id for s in sources}
    shared = len(batch_ids) == 1 and sources[0].batch_id is not None
    if shared and sources[0].product_id == product_id:
        return sources[0].batch_id
    dated = [s for s in sources if s.batch_id is not None]
    if not dated:
        return None
    earliest = min(dated, key=lambda s: (s.expires_on or date.max, s.batch_id or 0))
    sell_by = min((s.sell_by for s in dated if s.sell_by), default=None)
    number = f"{earliest.batch_number}"[:64]
    async with db.connection() as conn:
        found = await conn.fetchval(
            "SELECT id FROM batch WHERE product = $1 AND producer_batch_number = $2",
            product_id,
            number,
        )
        if found is not None:
            return found
        return returned(
            await conn.fetchval(
                "INSERT INTO batch (product, producer_batch_number, expires_on, sell_by,"
                " lab_status, created_at) VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
                product_id,
                number,
                earliest.expires_on,
                sell_by,
                _lab([s.lab_status for s in sources]),
            )
        )


async def new_package(
    location_id: int,
    tag: str,
    product: OutputProduct,
    batch_id: int | None,
    unit_cost: Decimal | None,
    index: int,
) -> int:
    async with db.connection() as conn:
        try:
            return returned(
                await conn.fetchval(
                    "INSERT INTO package (location, tag, product, batch, unit, status, unit_cost,"
                    " movement_count, last_hash, created_at)"
                    " VALUES ($1, $2, $3, $4, $5, 'active', $6, 0, $7, now()) RETURNING id",
                    location_id,
                    tag,
                    product.id,
                    batch_id,
                    product.unit,
                    unit_cost,
                    hashchain.GENESIS,
                )
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError(
                f"outputs[{index}].tag", "this tag is already registered here"
            ) from None


async def insert_repack(
    location_id: int,
    kind: str,
    actor_id: int,
    loss: Decimal,
    expected: Decimal | None,
    actual: Decimal,
    low: bool,
    note: str | None,
    at: datetime,
) -> int:
    async with db.connection() as conn:
        return returned(
            await conn.fetchval(
                "INSERT INTO repack (location, kind, actor, packaging_loss, expected_yield_pct,"
                " yield_pct, low_yield, note, occurred_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                location_id,
                kind,
                actor_id,
                loss,
                expected,
                actual,
                low,
                note,
                at,
            )
        )


async def insert_lines(
    repack_id: int, location_id: int, lines: Sequence[tuple[int, str, Decimal, int]]
) -> None:
    """(package, role, quantity, zone) per input and output."""
    async with db.connection() as conn:
        await conn.executemany(
            "INSERT INTO repack_line (repack, package, role, quantity, zone, location)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(repack_id, *line, location_id) for line in lines],
        )


@dataclass(frozen=True)
class RepackRow:
    id: int
    location_id: int
    kind: str
    actor_id: int
    packaging_loss: Decimal
    expected_yield_pct: Decimal | None
    yield_pct: Decimal | None
    low_yield: bool
    note: str | None
    occurred_at: datetime
    inputs: list[tuple[str, Decimal]]
    outputs: list[tuple[str, Decimal]]


def _repack(r: Any, lines: Sequence[Any]) -> RepackRow:
    mine = [line for line in lines if line["repack"] == r["id"]]
    return RepackRow(
        id=r["id"],
        location_id=r["location"],
        kind=r["kind"],
        actor_id=r["actor"],
        packaging_loss=r["packaging_loss"],
        expected_yield_pct=r["expected_yield_pct"],
        yield_pct=r["yield_pct"],
        low_yield=r["low_yield"],
        note=r["note"],
        occurred_at=r["occurred_at"],
        inputs=[(x["tag"], x["quantity"]) for x in mine if x["role"] == "input"],
        outputs=[(x["tag"], x["quantity"]) for x in mine if x["role"] == "output"],
    )


async def repacks(
    location_id: int, *, repack_id: int | None = None, low_only: bool = False, limit: int = 100
) -> list[RepackRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM repack WHERE location = $1 AND ($2::int IS NULL OR id = $2)"
            " AND (NOT $3 OR low_yield) ORDER BY id DESC LIMIT $4",
            location_id,
            repack_id,
            low_only,
            limit,
        )
        lines = await conn.fetch(
            "SELECT l.repack, l.role, l.quantity, p.tag FROM repack_line l"
            " JOIN package p ON p.id = l.package WHERE l.repack = ANY($1::int[]) ORDER BY l.id",
            [r["id"] for r in rows],
        )
    return [_repack(r, lines) for r in rows]
