"""Destruction records and waste policies in Postgres (the services' SQL, and the reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.destruction.steps import Policy
from domain.errors import NotFound
from domain.rows import returned


@dataclass(frozen=True)
class LocationFacts:
    state: str
    state_system: str
    timezone: str


@dataclass(frozen=True)
class DestructionRow:
    """A destruction record as the API shows it."""

    id: int
    location_id: int
    package_id: int
    tag: str
    unit: str
    waste_zone_id: int
    quantity: Decimal
    reason: str
    note: str | None
    status: str
    scheduled_by: int
    scheduled_at: datetime
    hold_until: datetime
    witnesses_required: int
    method: str | None
    waste_weight: Decimal | None
    mixing_material: str | None
    mixing_weight: Decimal | None
    witness_ids: list[int]
    destroyed_by: int | None
    destroyed_at: datetime | None
    movement_id: int | None
    state_finish_at: datetime | None
    state_finished_at: datetime | None
    state_note: str | None


_SELECT = """
SELECT d.id, d.location, d.package, p.tag, p.unit, d.waste_zone, d.quantity, d.reason, d.note,
       d.status, d.scheduled_by, d.scheduled_at, d.hold_until, d.witnesses_required, d.method,
       d.waste_weight, d.mixing_material, d.mixing_weight, d.witnesses, d.destroyed_by,
       d.destroyed_at, d.movement, d.state_finish_at, d.state_finished_at, d.state_note
FROM destruction d JOIN package p ON p.id = d.package
"""


def _row(r: Any) -> DestructionRow:
    return DestructionRow(
        id=r["id"],
        location_id=r["location"],
        package_id=r["package"],
        tag=r["tag"],
        unit=r["unit"],
        waste_zone_id=r["waste_zone"],
        quantity=r["quantity"],
        reason=r["reason"],
        note=r["note"],
        status=r["status"],
        scheduled_by=r["scheduled_by"],
        scheduled_at=r["scheduled_at"],
        hold_until=r["hold_until"],
        witnesses_required=r["witnesses_required"],
        method=r["method"],
        waste_weight=r["waste_weight"],
        mixing_material=r["mixing_material"],
        mixing_weight=r["mixing_weight"],
        witness_ids=list(r["witnesses"] or []),
        destroyed_by=r["destroyed_by"],
        destroyed_at=r["destroyed_at"],
        movement_id=r["movement"],
        state_finish_at=r["state_finish_at"],
        state_finished_at=r["state_finished_at"],
        state_note=r["state_note"],
    )


async def location_facts(location_id: int) -> LocationFacts | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT state, state_system, timezone FROM location WHERE id = $1", location_id
        )
    return LocationFacts(row["state"], row["state_system"], row["timezone"]) if row else None


async def policy(location_id: int) -> Policy:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT hold_minutes, witnesses, state_hold_minutes, min_yield_pct"
            " FROM waste_policy WHERE location = $1",
            location_id,
        )
    if row is None:
        return Policy()
    return Policy(
        row["hold_minutes"], row["witnesses"], row["state_hold_minutes"], row["min_yield_pct"]
    )


async def save_policy(location_id: int, value: Policy) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO waste_policy (location, hold_minutes, witnesses, state_hold_minutes,"
            " min_yield_pct, updated_at) VALUES ($1, $2, $3, $4, $5, now())"
            " ON CONFLICT (location) DO UPDATE SET hold_minutes = EXCLUDED.hold_minutes,"
            " witnesses = EXCLUDED.witnesses, state_hold_minutes = EXCLUDED.state_hold_minutes,"
            " min_yield_pct = EXCLUDED.min_yield_pct, updated_at = now()",
            location_id,
            value.hold_minutes,
            value.witnesses,
            value.state_hold_minutes,
            value.min_yield_pct,
        )


async def waste_zone(location_id: int) -> int | None:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT id FROM zone WHERE location = $1 AND kind = 'waste' AND active"
            " ORDER BY id LIMIT 1",
            location_id,
        )


async def insert_destruction(
    *,
    location_id: int,
    package_id: int,
    waste_zone_id: int,
    quantity: Decimal,
    reason: str,
    note: str | None,
    actor_id: int,
    at: datetime,
    hold_until: datetime,
    witnesses_required: int,
) -> int:
    async with db.connection() as conn:
        return returned(
            await conn.fetchval(
                "INSERT INTO destruction (location, package, waste_zone, quantity, reason, note,"
                " status, scheduled_by, scheduled_at, hold_until, witnesses_required, witnesses)"
                " VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $9, $10, '{}')"
                " RETURNING id",
                location_id,
                package_id,
                waste_zone_id,
                quantity,
                str(reason),
                note,
                actor_id,
                at,
                hold_until,
                witnesses_required,
            )
        )


async def destruction(location_id: int, destruction_id: int) -> DestructionRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            _SELECT + " WHERE d.id = $1 AND d.location = $2", destruction_id, location_id
        )
    return _row(row) if row else None


async def lock_destruction(destruction_id: int) -> DestructionRow:
    """The record, locked for the rest of the transaction (two people destroying at once:
    the second waits, then sees it destroyed)."""
    async with db.connection() as conn:
        row = await conn.fetchrow(_SELECT + " WHERE d.id = $1 FOR UPDATE OF d", destruction_id)
    if row is None:
        raise NotFound("destruction", str(destruction_id))
    return _row(row)


async def mark_destroyed(
    destruction_id: int,
    *,
    actor_id: int,
    at: datetime,
    method: str,
    waste_weight: Decimal,
    mixing_material: str | None,
    mixing_weight: Decimal | None,
    witness_ids: list[int],
    movement_id: int,
    state_finish_at: datetime | None,
) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE destruction SET status = 'destroyed', destroyed_by = $2, destroyed_at = $3,"
            " method = $4, waste_weight = $5, mixing_material = $6, mixing_weight = $7,"
            " witnesses = $8, movement = $9, state_finish_at = $10 WHERE id = $1",
            destruction_id,
            actor_id,
            at,
            method,
            waste_weight,
            mixing_material,
            mixing_weight,
            witness_ids,
            movement_id,
            state_finish_at,
        )


async def destructions(
    location_id: int, status: str | None = None, limit: int = 100
) -> list[DestructionRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            _SELECT + " WHERE d.location = $1 AND ($2::text IS NULL OR d.status = $2)"
            " ORDER BY d.id DESC LIMIT $3",
            location_id,
            status,
            limit,
        )
    return [_row(r) for r in rows]


async def state_finish_due(limit: int = 100) -> list[tuple[int, int]]:
    """(location, destruction) pairs whose state second step is due and not yet done."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT location, id FROM destruction WHERE state_finish_at <= now()"
            " AND state_finished_at IS NULL ORDER BY state_finish_at LIMIT $1",
            limit,
        )
    return [(r["location"], r["id"]) for r in rows]
