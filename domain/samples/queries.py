"""Reading samples: the log kept apart from sales, and the rotation due list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain import db


@dataclass(frozen=True)
class SampleRow:
    id: int
    location_id: int
    package_id: int
    tag: str
    parent_tag: str | None
    zone_id: int
    kind: str
    status: str
    quantity: Decimal
    recipient: str | None
    employee_id: int | None
    note: str | None
    rotate_by: date | None
    overdue: bool
    taken_by_id: int
    taken_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_record(cls, r: Any) -> SampleRow:
        return cls(**dict(r))


_SELECT = """
SELECT s.id, s.location AS location_id, s.package AS package_id, p.tag,
       pp.tag AS parent_tag, s.zone AS zone_id,
       s.kind, s.status, s.quantity, s.recipient, s.employee AS employee_id, s.note, s.rotate_by,
       (s.status = 'out' AND s.rotate_by < (now() AT TIME ZONE l.timezone)::date) AS overdue,
       s.taken_by AS taken_by_id, s.taken_at, s.closed_at
FROM sample s JOIN package p ON p.id = s.package JOIN location l ON l.id = s.location
LEFT JOIN package pp ON pp.id = s.parent_package
"""


async def samples(
    location_id: int, status: str | None, kind: str | None, first: int
) -> list[SampleRow]:
    """Newest first."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            _SELECT + " WHERE s.location = $1 AND ($2::text IS NULL OR s.status = $2)"
            " AND ($3::text IS NULL OR s.kind = $3) ORDER BY s.id DESC LIMIT $4",
            location_id,
            status,
            kind,
            first,
        )
    return [SampleRow.from_record(r) for r in rows]


async def samples_due(location_id: int, within_days: int) -> list[SampleRow]:
    """Display jars still out whose rotation falls within ``within_days`` of today (overdue
    ones first)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            _SELECT + " WHERE s.location = $1 AND s.status = 'out' AND s.rotate_by IS NOT NULL"
            " AND s.rotate_by <= (now() AT TIME ZONE l.timezone)::date + $2::int"
            " ORDER BY s.rotate_by, s.id",
            location_id,
            within_days,
        )
    return [SampleRow.from_record(r) for r in rows]


async def sample(sample_id: int) -> SampleRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(_SELECT + " WHERE s.id = $1", sample_id)
    return SampleRow.from_record(row) if row else None
