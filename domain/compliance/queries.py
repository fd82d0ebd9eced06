"""Read models for compliance screens: sync health, the outbox, runs and discrepancies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.compliance import credentials
from domain.inventory.queries import MAX_PAGE, Page
from domain.rows import returned


@dataclass(frozen=True)
class SyncStatus:
    location_id: int
    system: str
    configured: bool
    pending: int
    failed: int
    overdue: int
    oldest_pending_at: datetime | None
    oldest_pending_deadline: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None = None


async def sync_status(location_id: int) -> SyncStatus:
    async with db.connection() as conn:
        row = returned(
            await conn.fetchrow(
                """
            SELECT l.state_system,
                   (c.base_url IS NOT NULL AND c.enabled) AS configured,
                   -- Held reports (an unmapped adjustment reason) are not at the state yet.
                   count(r.id) FILTER (WHERE r.status IN ('pending', 'sending', 'held'))
                       AS pending,
                   count(r.id) FILTER (WHERE r.status = 'failed') AS failed,
                   count(r.id) FILTER (WHERE r.deadline_at < now()) AS overdue,
                   min(r.occurred_at) FILTER (WHERE r.status IN ('pending', 'sending', 'held'))
                       AS oldest_pending_at,
                   min(r.deadline_at) FILTER (WHERE r.status IN ('pending', 'sending', 'held'))
                       AS oldest_pending_deadline,
                   s.last_success_at, s.last_error, s.last_error_at
            FROM location l
            LEFT JOIN state_connection c ON c.location = l.id
            LEFT JOIN state_sync s ON s.location = l.id
            LEFT JOIN state_report r ON r.location = l.id
                 AND r.status IN ('pending', 'sending', 'failed', 'held')
            WHERE l.id = $1
            GROUP BY l.id, c.base_url, c.enabled, s.last_success_at, s.last_error,
                     s.last_error_at
            """,
                location_id,
            ),
            "location",
        )
    return SyncStatus(
        location_id=location_id,
        system=row["state_system"],
        configured=bool(row["configured"]),
        pending=row["pending"],
        failed=row["failed"],
        overdue=row["overdue"],
        oldest_pending_at=row["oldest_pending_at"],
        oldest_pending_deadline=row["oldest_pending_deadline"],
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
    )


@dataclass(frozen=True)
class SavedConnection:
    """A licence's stored state connection, enabled or not; the keys themselves never leave."""

    system: str
    base_url: str
    has_credentials: bool
    enabled: bool


async def saved_connection(location_id: int) -> SavedConnection | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT system, base_url, credentials, enabled FROM state_connection"
            " WHERE location = $1",
            location_id,
        )
    if row is None:
        return None
    return SavedConnection(
        system=row["system"],
        base_url=row["base_url"],
        # Keys that no longer decrypt (the credentials key changed) are as good as none.
        has_credentials=bool(credentials.decrypt(row["credentials"] or "")),
        enabled=row["enabled"],
    )


async def enabled_connection_locations() -> list[int]:
    """Licences whose state connection is switched on, in id order (for nightly jobs)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT location FROM state_connection WHERE enabled ORDER BY location"
        )
    return [r["location"] for r in rows]


REPORT_COLUMNS = (
    "id, location AS location_id, kind, status, tags, payload, external_id, attempts,"
    " outcome_unknown, occurred_at, next_attempt_at, deadline_at, last_error, state_ids,"
    " created_at, sent_at"
)


@dataclass(frozen=True)
class StateReportRow:
    """A state report as the office sees it (payload decoded by the pool's jsonb codec)."""

    id: int
    location_id: int
    kind: str
    status: str
    tags: list[str]
    payload: Any
    external_id: str
    attempts: int
    outcome_unknown: bool
    occurred_at: datetime
    next_attempt_at: datetime
    deadline_at: datetime | None
    last_error: str | None
    state_ids: list[str]
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def from_record(cls, r: Any) -> StateReportRow:
        return cls(**{**dict(r), "tags": list(r["tags"]), "state_ids": list(r["state_ids"])})


async def report(report_id: int) -> StateReportRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {REPORT_COLUMNS} FROM state_report WHERE id = $1", report_id
        )
    return StateReportRow.from_record(row) if row else None


async def reports_page(
    location_id: int,
    status: str | None,
    kind: str | None,
    tag: str | None,
    first: int,
    after: int | None,
) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {REPORT_COLUMNS} FROM state_report WHERE location = $1"
            " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)"
            " AND ($4::text IS NULL OR $4 = ANY(tags)) AND ($5::bigint IS NULL OR id < $5)"
            f" ORDER BY id DESC LIMIT {limit + 1}",
            location_id,
            status,
            kind,
            tag,
            after,
        )
    out = [StateReportRow.from_record(r) for r in rows]
    return Page(out[:limit], len(out) > limit)


@dataclass(frozen=True)
class ReconciliationRunRow:
    id: int
    location_id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    packages_compared: int
    discrepancies_found: int
    error: str | None


_RUN_COLUMNS = (
    "id, location AS location_id, status, started_at, finished_at,"
    " packages_compared, discrepancies_found, error"
)


async def runs(location_id: int, first: int) -> list[ReconciliationRunRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_RUN_COLUMNS} FROM reconciliation_run"
            " WHERE location = $1 ORDER BY id DESC LIMIT $2",
            location_id,
            max(1, min(first, MAX_PAGE)),
        )
    return [ReconciliationRunRow(**dict(r)) for r in rows]


async def runs_by_ids(ids: list[int]) -> list[ReconciliationRunRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_RUN_COLUMNS} FROM reconciliation_run"
            " WHERE id = ANY($1::bigint[]) ORDER BY id",
            ids,
        )
    return [ReconciliationRunRow(**dict(r)) for r in rows]


DISCREPANCY_COLUMNS = (
    "id, location AS location_id, tag, kind, our_quantity, state_quantity, difference,"
    " our_status, state_status, suspected_cause, state_raw, first_seen_at, last_seen_at, status,"
    " owner AS owner_id, resolution, resolution_note, resolved_by AS resolved_by_id, resolved_at,"
    " physical_quantity, count_session AS count_session_id"
)


@dataclass(frozen=True)
class DiscrepancyRow:
    id: int
    location_id: int
    tag: str
    kind: str
    our_quantity: Decimal | None
    state_quantity: Decimal | None
    difference: Decimal
    our_status: str | None
    state_status: str | None
    suspected_cause: str | None
    state_raw: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    owner_id: int | None
    resolution: str | None
    resolution_note: str | None
    resolved_by_id: int | None
    resolved_at: datetime | None
    # Written by an approved cycle count: the shelf's side of the three-way view.
    physical_quantity: Decimal | None = None
    count_session_id: int | None = None


async def discrepancy(discrepancy_id: int) -> DiscrepancyRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {DISCREPANCY_COLUMNS} FROM discrepancy WHERE id = $1", discrepancy_id
        )
    return DiscrepancyRow(**dict(row)) if row else None


async def discrepancies_page(
    location_id: int, status: str | None, kind: str | None, first: int, after: int | None
) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {DISCREPANCY_COLUMNS} FROM discrepancy WHERE location = $1"
            " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)"
            " AND ($4::bigint IS NULL OR id > $4)"
            f" ORDER BY id LIMIT {limit + 1}",
            location_id,
            status,
            kind,
            after,
        )
    out = [DiscrepancyRow(**dict(r)) for r in rows]
    return Page(out[:limit], len(out) > limit)
