"""Compliance queries, mutations and the alerts subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from api.compliance.types import (
    CcrsExport,
    CcrsFile,
    ComplianceAlert,
    Discrepancy,
    ReconciliationRun,
    StateReport,
    SyncStatus,
)
from api.context import Info
from api.errors import CommonError, NotFound, StockError, not_found
from api.live.feeds import Feed
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from domain.compliance import connections, queries, services
from domain.events import ComplianceAlertRaised
from domain.service import Outcome


@strawberry.input
class ConfigureStateConnectionInput:
    location_id: strawberry.ID
    base_url: str = strawberry.field(
        description="e.g. https://sandbox-api-ca.metrc.com or the production host."
    )
    credentials: JSON | None = strawberry.field(
        default=None,
        description="Write-only (never returned). METRC: vendor_key, user_key; BioTrack:"
        " username, password. Omit to keep the stored ones.",
    )
    settings: JSON | None = None
    enabled: bool = True
    idempotency_key: str | None = None


@strawberry.input
class ReportActionInput:
    report_id: strawberry.ID
    reason: str = ""
    idempotency_key: str | None = None


@strawberry.input
class ResolveDiscrepancyInput:
    discrepancy_id: strawberry.ID
    resolution: str = strawberry.field(description="resend, adjust or explain.")
    note: str = strawberry.field(description="The evidence or reason (required).")
    zone_id: strawberry.ID | None = strawberry.field(
        default=None, description="adjust: the zone that takes the correction."
    )
    witness_id: strawberry.ID | None = strawberry.field(
        default=None, description="adjust: the second person who approved it."
    )
    idempotency_key: str | None = None


@strawberry.input
class AssignDiscrepancyInput:
    discrepancy_id: strawberry.ID
    owner_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class ConnectionPayload:
    system: str
    base_url: str
    has_credentials: bool
    replayed: bool


@strawberry.type
class StateReportPayload:
    report: StateReport
    replayed: bool


@strawberry.type
class ReconciliationPayload:
    run: ReconciliationRun
    replayed: bool


@strawberry.type
class DiscrepancyPayload:
    discrepancy: Discrepancy
    movement_ids: list[strawberry.ID]
    replayed: bool


ConnectionResult = Annotated[ConnectionPayload | CommonError, strawberry.union("ConnectionResult")]
CcrsExportResult = Annotated[CcrsExport | CommonError, strawberry.union("CcrsExportResult")]
StateReportResult = Annotated[
    StateReportPayload | CommonError, strawberry.union("StateReportResult")
]
ReconciliationResult = Annotated[
    ReconciliationPayload | CommonError, strawberry.union("ReconciliationResult")
]
DiscrepancyResult = Annotated[
    DiscrepancyPayload | StockError, strawberry.union("DiscrepancyResult")
]


def _optional(value: strawberry.ID | None, entity: str) -> int | None:
    return None if value is None else parse_id(value, entity)


@strawberry.type
class ComplianceQueries:
    @strawberry.field(description="Pending, failed and overdue state reports of a licence.")
    async def sync_status(self, info: Info, location_id: strawberry.ID) -> SyncStatus:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        s = await queries.sync_status(loc)
        age = None
        if s.oldest_pending_at is not None:
            age = int((datetime.now(UTC) - s.oldest_pending_at).total_seconds())
        return SyncStatus(
            system=s.system,
            configured=s.configured,
            pending=s.pending,
            failed=s.failed,
            overdue=s.overdue,
            oldest_pending_at=s.oldest_pending_at,
            oldest_pending_deadline=s.oldest_pending_deadline,
            oldest_pending_age_seconds=age,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
        )

    @strawberry.field(description="The state-report outbox, newest first.")
    async def state_reports(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: str | None = None,
        kind: str | None = None,
        tag: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[StateReport]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        page = await queries.reports_page(loc, status, kind, tag, first, decode_cursor(after))
        blind = await info.context.blind_scope()
        return connection(page, lambda row: StateReport.from_domain(row, blind.tags))

    @strawberry.field
    async def reconciliation_runs(
        self, info: Info, location_id: strawberry.ID, first: int = 20
    ) -> list[ReconciliationRun]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return [ReconciliationRun.from_domain(r) for r in await queries.runs(loc, first)]

    @strawberry.field(description="Differences with the state, oldest first.")
    async def discrepancies(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: str | None = "open",
        kind: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Discrepancy]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        page = await queries.discrepancies_page(loc, status, kind, first, decode_cursor(after))
        blind = await info.context.blind_scope()
        return connection(page, lambda row: Discrepancy.from_domain(row, blind.tags))


async def _report(info: Info, report_id: int) -> StateReport | None:
    row = await queries.report(report_id)
    if row is None:
        return None
    return StateReport.from_domain(row, (await info.context.blind_scope()).tags)


@strawberry.type
class ComplianceMutations:
    @strawberry.mutation(description="Connect a licence to its state system (keys are write-only).")
    async def configure_state_connection(
        self, info: Info, input: ConfigureStateConnectionInput
    ) -> ConnectionResult:
        async def present(outcome: Outcome) -> ConnectionPayload:
            # What is stored, also when the connection is disabled.
            saved = await queries.saved_connection(outcome.value.location_id)
            return ConnectionPayload(
                system=saved.system if saved else "",
                base_url=saved.base_url if saved else input.base_url,
                has_credentials=bool(saved and saved.has_credentials),
                replayed=outcome.replayed,
            )

        return await mutate(
            info,
            connections.configure,
            lambda: connections.ConfigureConnection(
                location_id=parse_id(input.location_id, "location"),
                base_url=input.base_url,
                credentials=input.credentials,
                settings=input.settings,
                enabled=input.enabled,
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(
        description="The week's CCRS files (WA): Sunday to Saturday containing `weekOf`."
    )
    async def export_ccrs_week(
        self, info: Info, location_id: strawberry.ID, week_of: date
    ) -> CcrsExportResult:
        def present(export: services.WeekExport) -> CcrsExport:
            return CcrsExport(
                week_start=export.week.start,
                week_end=export.week.end,
                due=export.week.due,
                files=[
                    CcrsFile(
                        name=f.name,
                        kind=str(f.kind),
                        number_records=f.number_records,
                        content=f.content,
                        warnings=list(f.warnings),
                    )
                    for f in export.files
                ],
                reports_filed=export.reports_filed,
            )

        return await mutate(
            info,
            lambda uow, principal, loc: services.export_ccrs_week(uow, principal, loc, week_of),
            lambda: parse_id(location_id, "location"),
            present,
        )

    @strawberry.mutation(description="Send a failed report again.")
    async def retry_state_report(self, info: Info, input: ReportActionInput) -> StateReportResult:
        return await _report_action(info, input, services.retry_report)

    @strawberry.mutation(description="Withdraw a report the state must not receive.")
    async def cancel_state_report(self, info: Info, input: ReportActionInput) -> StateReportResult:
        return await _report_action(info, input, services.cancel_report)

    @strawberry.mutation(description="Compare our books with the state's now.")
    async def start_reconciliation(
        self, info: Info, location_id: strawberry.ID, idempotency_key: str | None = None
    ) -> ReconciliationResult:
        async def present(outcome: Outcome) -> ReconciliationPayload | NotFound:
            rows = await queries.runs_by_ids([outcome.value.run_id])
            if not rows:
                return _not_found("reconciliation run", outcome.value.run_id)
            return ReconciliationPayload(
                run=ReconciliationRun.from_domain(rows[0]), replayed=outcome.replayed
            )

        return await mutate(
            info,
            services.start_reconciliation,
            lambda: services.StartReconciliation(
                parse_id(location_id, "location"), idempotency_key
            ),
            present,
        )

    @strawberry.mutation(
        description="Close a difference: resend, adjust (with approval) or explain."
    )
    async def resolve_discrepancy(
        self, info: Info, input: ResolveDiscrepancyInput
    ) -> DiscrepancyResult:
        return await mutate(
            info,
            services.resolve_discrepancy,
            lambda: services.ResolveDiscrepancy(
                discrepancy_id=parse_id(input.discrepancy_id, "discrepancy"),
                resolution=input.resolution,
                note=input.note,
                zone_id=_optional(input.zone_id, "zone"),
                witness_id=_optional(input.witness_id, "witness"),
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _discrepancy(info, o),
        )

    @strawberry.mutation(description="Give a difference an owner.")
    async def assign_discrepancy(
        self, info: Info, input: AssignDiscrepancyInput
    ) -> DiscrepancyResult:
        return await mutate(
            info,
            services.assign_discrepancy,
            lambda: services.AssignDiscrepancy(
                parse_id(input.discrepancy_id, "discrepancy"),
                parse_id(input.owner_id, "user"),
                input.idempotency_key,
            ),
            lambda o: _discrepancy(info, o),
        )


def _not_found(entity: str, key: int) -> NotFound:
    """A payload whose row is gone answers the union's NotFound, not a server error."""
    return not_found(entity, key)


async def _discrepancy(info: Info, outcome: Outcome) -> DiscrepancyPayload | NotFound:
    row = await queries.discrepancy(outcome.value.discrepancy_id)
    if row is None:
        return _not_found("discrepancy", outcome.value.discrepancy_id)
    # The same blind-count filter as the discrepancies query: a manager who witnesses a count
    # must not read its packages' quantities from a resolution either.
    blind = await info.context.blind_scope()
    return DiscrepancyPayload(
        discrepancy=Discrepancy.from_domain(row, blind.tags),
        movement_ids=[strawberry.ID(str(i)) for i in outcome.value.movement_ids],
        replayed=outcome.replayed,
    )


async def _report_action(info: Info, input: ReportActionInput, action) -> StateReportResult:
    async def present(outcome: Outcome) -> StateReportPayload | NotFound:
        report = await _report(info, outcome.value.report_id)
        if report is None:
            return _not_found("state report", outcome.value.report_id)
        return StateReportPayload(report=report, replayed=outcome.replayed)

    return await mutate(
        info,
        action,
        lambda: services.ReportCommand(
            parse_id(input.report_id, "state report"), input.reason, input.idempotency_key
        ),
        present,
    )


ALERTS = Feed(ComplianceAlertRaised)


@strawberry.type
class ComplianceSubscriptions:
    @strawberry.subscription(
        description=(
            "Failed and overdue reports, new discrepancies, skipped manifests, unmapped"
            " adjustment reasons, sample jars due for rotation and broken ledger chains."
        )
    )
    async def compliance_alerts(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[ComplianceAlert, None]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        async with info.context.broadcaster.listen(loc) as queue:
            while True:
                _, event = await ALERTS.next(queue)
                yield ComplianceAlert(
                    kind=str(event.kind),
                    message=event.message,
                    report_id=None
                    if event.report_id is None
                    else strawberry.ID(str(event.report_id)),
                    count=event.count,
                    tag=event.tag,
                    sequence=event.sequence,
                )
