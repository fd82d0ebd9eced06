"""Compliance types: sync health, state reports, reconciliation runs and discrepancies."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.context import Info
from domain.compliance import queries


@strawberry.type(description="How a licence's reporting to its state system is doing.")
class SyncStatus:
    system: str
    configured: bool
    pending: int
    failed: int
    overdue: int = strawberry.field(description="Pending or failed past the state's deadline.")
    oldest_pending_at: datetime | None
    oldest_pending_deadline: datetime | None
    oldest_pending_age_seconds: int | None
    last_success_at: datetime | None = strawberry.field(
        description="When the state last accepted a report (failed attempts do not move it)."
    )
    last_error: str | None = strawberry.field(
        description="The last error sending to the state (its words, or why it could not be"
        " reached); kept after a recovery: compare lastErrorAt with lastSuccessAt."
    )
    last_error_at: datetime | None = strawberry.field(description="When lastError happened.")


@strawberry.type(description="Something the state must learn about, and how sending it went.")
class StateReport:
    id: strawberry.ID
    kind: str
    status: str = strawberry.field(
        description="pending, sending, sent, failed, cancelled or filed (CCRS)."
    )
    tags: list[str]
    external_id: str = strawberry.field(description="Our id, as the state knows the report.")
    attempts: int
    occurred_at: datetime
    next_attempt_at: datetime
    deadline_at: datetime | None
    last_error: str | None
    state_ids: list[str]
    created_at: datetime
    sent_at: datetime | None
    payload_json: str | None = strawberry.field(
        description="The facts reported, as JSON (null, with lastError, to someone counting"
        " one of its packages blind: the quantities would give the count away)."
    )

    @classmethod
    def from_domain(
        cls, row: queries.StateReportRow, blind_tags: frozenset[str] = frozenset()
    ) -> StateReport:
        """``blind_tags``: packages under a blind count the caller takes part in; a report
        naming one of them keeps its payload (and the state's error, which may quote a quantity)
        to itself."""
        hidden = not blind_tags.isdisjoint(row.tags)
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            status=row.status,
            tags=list(row.tags),
            external_id=row.external_id,
            attempts=row.attempts,
            occurred_at=row.occurred_at,
            next_attempt_at=row.next_attempt_at,
            deadline_at=row.deadline_at,
            last_error=None if hidden else row.last_error,
            state_ids=list(row.state_ids),
            created_at=row.created_at,
            sent_at=row.sent_at,
            payload_json=None if hidden else json.dumps(row.payload),
        )


@strawberry.type
class ReconciliationRun:
    id: strawberry.ID
    status: str = strawberry.field(description="queued, running, finished, failed or skipped.")
    started_at: datetime
    finished_at: datetime | None
    packages_compared: int
    discrepancies_found: int
    error: str | None

    @classmethod
    def from_domain(cls, row: queries.ReconciliationRunRow) -> ReconciliationRun:
        return cls(
            id=strawberry.ID(str(row.id)),
            status=row.status,
            started_at=row.started_at,
            finished_at=row.finished_at,
            packages_compared=row.packages_compared,
            discrepancies_found=row.discrepancies_found,
            error=row.error,
        )


@strawberry.type(description="A difference between our books and the state's, kept until resolved.")
class Discrepancy:
    id: strawberry.ID
    tag: str
    kind: str = strawberry.field(
        description="missing_at_state, missing_here, quantity_differs, unit_differs,"
        " status_differs or malformed_state_record (the state's record could not be read:"
        " see stateRaw); count_variance: an approved cycle count's physical/ours/state record."
    )
    our_quantity: Decimal | None
    state_quantity: Decimal | None
    difference: Decimal
    our_status: str | None
    state_status: str | None
    suspected_cause: str | None
    state_raw: str | None = strawberry.field(
        description="malformed_state_record: what the state sent, as it sent it."
    )
    physical_quantity: Decimal | None = strawberry.field(
        description="count_variance: what the approved count found on the shelf (the third"
        " side, with ourQuantity before the correction and stateQuantity)."
    )
    count_session_id: strawberry.ID | None = strawberry.field(
        description="The cycle count that recorded it."
    )
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    resolution: str | None
    resolution_note: str | None
    resolved_at: datetime | None
    owner_id: strawberry.Private[int | None]
    resolved_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Seconds since it was first seen.")
    def age_seconds(self) -> int:
        end = self.resolved_at or datetime.now(self.first_seen_at.tzinfo)
        return int((end - self.first_seen_at).total_seconds())

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        if self.owner_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.owner_id))

    @strawberry.field
    async def resolved_by(self, info: Info) -> User | None:
        if self.resolved_by_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.resolved_by_id))

    @classmethod
    def from_domain(
        cls, row: queries.DiscrepancyRow, blind_tags: frozenset[str] = frozenset()
    ) -> Discrepancy:
        """``blind_tags``: packages under a blind count the caller takes part in; their
        quantities (ours, the state's, the shelf's) are left out (see docs/counts.md)."""
        if row.tag in blind_tags:
            row = dataclasses.replace(
                row, our_quantity=None, state_quantity=None, physical_quantity=None
            )
        return cls(
            id=strawberry.ID(str(row.id)),
            tag=row.tag,
            kind=row.kind,
            our_quantity=row.our_quantity,
            state_quantity=row.state_quantity,
            difference=row.difference,
            our_status=row.our_status,
            state_status=row.state_status,
            suspected_cause=row.suspected_cause,
            state_raw=row.state_raw,
            physical_quantity=row.physical_quantity,
            count_session_id=(
                strawberry.ID(str(row.count_session_id)) if row.count_session_id else None
            ),
            first_seen_at=row.first_seen_at,
            last_seen_at=row.last_seen_at,
            status=row.status,
            resolution=row.resolution,
            resolution_note=row.resolution_note,
            resolved_at=row.resolved_at,
            owner_id=row.owner_id,
            resolved_by_id=row.resolved_by_id,
        )


@strawberry.type(description="A compliance event pushed to the office: failures, overdue reports.")
class ComplianceAlert:
    kind: str
    message: str
    report_id: strawberry.ID | None
    count: int | None
    tag: str | None = strawberry.field(
        default=None, description="ledger_broken: the package whose chain breaks."
    )
    sequence: int | None = strawberry.field(
        default=None, description="ledger_broken: the first broken movement."
    )


@strawberry.type(description="One CCRS upload file, ready to save and upload to the state portal.")
class CcrsFile:
    name: str
    kind: str
    number_records: int
    content: str
    warnings: list[str]


@strawberry.type
class CcrsExport:
    week_start: date
    week_end: date
    due: date
    files: list[CcrsFile]
    reports_filed: int = strawberry.field(description="Reports this export marked as filed.")
