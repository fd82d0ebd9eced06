"""Reading lab samples and lab results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.lab.model import Analyte


@dataclass(frozen=True)
class LabSampleRow:
    id: int
    location_id: int
    package_id: int
    tag: str
    batch_id: int | None
    zone_id: int
    sample_code: str
    lab_license: str
    quantity: Decimal
    returned_quantity: Decimal | None
    status: str
    note: str | None
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def from_record(cls, r: Any) -> LabSampleRow:
        return cls(**dict(r))


@dataclass(frozen=True)
class LabResultRow:
    id: int
    location_id: int
    batch_id: int
    lab_sample_id: int | None
    lab_license: str | None
    thc_percent: Decimal | None
    cbd_percent: Decimal | None
    analytes: tuple[Analyte, ...]
    passed: bool
    coa_url: str | None
    source: str
    recorded_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> LabResultRow:
        data = dict(r)
        data["analytes"] = tuple(
            Analyte(
                name=str(a.get("name")),
                passed=bool(a.get("passed")),
                value=Decimal(str(a["value"])) if a.get("value") is not None else None,
                unit=a.get("unit"),
            )
            for a in data["analytes"] or []
        )
        return cls(**data)


async def lab_samples(location_id: int, status: str | None, first: int) -> list[LabSampleRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT s.id, s.location AS location_id, s.package AS package_id, p.tag,"
            " s.batch AS batch_id, s.zone AS zone_id, s.sample_code, s.lab_license, s.quantity,"
            " s.returned_quantity, s.status, s.note, s.created_at, s.sent_at, s.closed_at"
            " FROM lab_sample s JOIN package p ON p.id = s.package"
            " WHERE s.location = $1 AND ($2::text IS NULL OR s.status = $2)"
            " ORDER BY s.id DESC LIMIT $3",
            location_id,
            status,
            first,
        )
    return [LabSampleRow.from_record(r) for r in rows]


async def lab_results(location_id: int, batch_id: int | None, first: int) -> list[LabResultRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, location AS location_id, batch AS batch_id, lab_sample AS lab_sample_id,"
            " lab_license, thc_percent, cbd_percent, analytes, passed, coa_url, source,"
            " recorded_at FROM lab_result WHERE location = $1"
            " AND ($2::int IS NULL OR batch = $2) ORDER BY id DESC LIMIT $3",
            location_id,
            batch_id,
            first,
        )
    return [LabResultRow.from_record(r) for r in rows]


async def lab_result(result_id: int) -> LabResultRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, location AS location_id, batch AS batch_id, lab_sample AS lab_sample_id,"
            " lab_license, thc_percent, cbd_percent, analytes, passed, coa_url, source,"
            " recorded_at FROM lab_result WHERE id = $1",
            result_id,
        )
    return LabResultRow.from_record(row) if row else None


async def lab_sample(lab_sample_id: int) -> LabSampleRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT s.id, s.location AS location_id, s.package AS package_id, p.tag,"
            " s.batch AS batch_id, s.zone AS zone_id, s.sample_code, s.lab_license, s.quantity,"
            " s.returned_quantity, s.status, s.note, s.created_at, s.sent_at, s.closed_at"
            " FROM lab_sample s JOIN package p ON p.id = s.package WHERE s.id = $1",
            lab_sample_id,
        )
    return LabSampleRow.from_record(row) if row else None
