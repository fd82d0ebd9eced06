"""Read models for locations and zones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.organisation.model import ZoneKind
from domain.quantities import Unit
from domain.sales.model import FefoPolicy

LOCATION_COLUMNS = (
    "id, operator AS operator_id, name, license_number, state, timezone, state_system,"
    " fefo_policy, reserve_from_vault, reservation_hold_minutes, receiving_tolerance_pct,"
    " receiving_requires_signoff, created_at"
)
ZONE_COLUMNS = "id, location AS location_id, name, kind, active, created_at"


@dataclass(frozen=True)
class LocationRow:
    """A licence and its settings."""

    id: int
    operator_id: int
    name: str
    license_number: str
    state: str
    timezone: str
    state_system: str
    fefo_policy: FefoPolicy
    reserve_from_vault: bool
    reservation_hold_minutes: int
    receiving_tolerance_pct: Decimal
    receiving_requires_signoff: bool
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> LocationRow:
        return cls(**{**dict(r), "fefo_policy": FefoPolicy(r["fefo_policy"])})


@dataclass(frozen=True)
class ZoneRow:
    id: int
    location_id: int
    name: str
    kind: ZoneKind
    active: bool
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> ZoneRow:
        return cls(**{**dict(r), "kind": ZoneKind(r["kind"])})


@dataclass(frozen=True)
class ZoneTotalRow:
    """How many packages hold stock of one unit in a zone, and how much."""

    zone_id: int
    unit: Unit
    package_count: int
    quantity: Decimal


async def locations_by_ids(ids: Sequence[int]) -> list[LocationRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {LOCATION_COLUMNS} FROM location WHERE id = ANY($1::int[]) ORDER BY id",
            list(ids),
        )
    return [LocationRow.from_record(r) for r in rows]


async def zones_by_ids(ids: Sequence[int]) -> list[ZoneRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {ZONE_COLUMNS} FROM zone WHERE id = ANY($1::int[])", list(ids)
        )
    return [ZoneRow.from_record(r) for r in rows]


async def zones_by_location(location_ids: Sequence[int]) -> list[ZoneRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {ZONE_COLUMNS} FROM zone WHERE location = ANY($1::int[])"
            " ORDER BY location, id",
            list(location_ids),
        )
    return [ZoneRow.from_record(r) for r in rows]


async def zone_totals(zone_ids: Sequence[int]) -> list[ZoneTotalRow]:
    """Per zone and unit: how many packages hold stock there and how much."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT sb.zone AS zone_id, p.unit, count(*) AS package_count,"
            " sum(sb.quantity) AS quantity FROM stock_balance sb JOIN package p"
            " ON p.id = sb.package WHERE sb.zone = ANY($1::int[]) AND sb.quantity > 0"
            " GROUP BY sb.zone, p.unit ORDER BY sb.zone, p.unit",
            list(zone_ids),
        )
    return [
        ZoneTotalRow(r["zone_id"], Unit(r["unit"]), r["package_count"], r["quantity"]) for r in rows
    ]


async def location_ids() -> list[int]:
    """Every location, in id order."""
    async with db.connection() as conn:
        return [r["id"] for r in await conn.fetch("SELECT id FROM location ORDER BY id")]


@dataclass(frozen=True)
class LocationOwner:
    id: int
    operator_id: int


async def locations_by_license_numbers(numbers: Sequence[str]) -> list[LocationOwner]:
    """The locations holding these licence numbers (unknown numbers are simply absent)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, operator FROM location WHERE license_number = ANY($1::text[])",
            list(numbers),
        )
    return [LocationOwner(r["id"], r["operator"]) for r in rows]
