"""What compliance staff do with the outbox and the discrepancies: retry, cancel, resolve."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain import db, events, service
from domain.changelog import record as changelog
from domain.compliance import ccrs_export, reconcile
from domain.compliance.ccrs_export import WeekExport
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import clean_note
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ReportCommand:
    report_id: int
    reason: str = ""
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReportChanged:
    report_id: int


async def _report_location(principal: Principal, report_id: int) -> int:
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM state_report WHERE id = $1", report_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("state report", str(report_id))
    principal.require(Capability.HOLD_STOCK, location_id)
    return location_id


async def retry_report(
    uow: UnitOfWork, principal: Principal, cmd: ReportCommand
) -> service.Outcome:
    """Send a failed report again (after fixing its cause at the state, e.g. a missing reason)."""
    location_id = await _report_location(principal, cmd.report_id)

    async def work(uow: UnitOfWork) -> ReportChanged:
        async with db.connection() as conn:
            status = await conn.fetchval(
                "UPDATE state_report SET status = 'pending', next_attempt_at = now(),"
                " attempts = 0, last_error = NULL, updated_at = now()"
                " WHERE id = $1 AND status IN ('failed', 'pending') RETURNING status",
                cmd.report_id,
            )
        if status is None:
            raise ValidationError("reportId", "only failed or pending reports can be retried")
        await changelog.change(
            uow,
            principal,
            "retryStateReport",
            "state report",
            cmd.report_id,
            location_id=location_id,
            after={"status": status},
        )
        uow.record(events.StateReportsQueued(location_id=location_id))
        return ReportChanged(cmd.report_id)

    return await service.run(uow, principal, "retryStateReport", cmd, work, ReportChanged)


async def cancel_report(
    uow: UnitOfWork, principal: Principal, cmd: ReportCommand
) -> service.Outcome:
    """Withdraw a report the state must not receive (entered at the state by hand instead)."""
    location_id = await _report_location(principal, cmd.report_id)
    if not cmd.reason.strip():
        raise ValidationError("reason", "say why the state will not receive it")

    async def work(uow: UnitOfWork) -> ReportChanged:
        async with db.connection() as conn:
            was = await conn.fetchval(
                "SELECT status FROM state_report WHERE id = $1 FOR UPDATE", cmd.report_id
            )
            status = await conn.fetchval(
                "UPDATE state_report SET status = 'cancelled', last_error = $2,"
                " updated_at = now() WHERE id = $1 AND status IN ('failed', 'pending', 'held')"
                " RETURNING status",
                cmd.report_id,
                f"cancelled by {principal.name}: {cmd.reason.strip()}",
            )
        if status is None:
            raise ValidationError(
                "reportId", "only failed, pending or held reports can be cancelled"
            )
        await changelog.change(
            uow,
            principal,
            "cancelStateReport",
            "state report",
            cmd.report_id,
            location_id=location_id,
            before={"status": was},
            after={"status": status, "reason": cmd.reason.strip()},
        )
        return ReportChanged(cmd.report_id)

    return await service.run(uow, principal, "cancelStateReport", cmd, work, ReportChanged)


RESOLUTIONS = ("resend", "adjust", "explain")


@dataclass(frozen=True)
class ResolveDiscrepancy:
    discrepancy_id: int
    resolution: str  # resend | adjust | explain
    note: str
    # For "adjust": which zone takes the correction, and who approved it (a second person).
    zone_id: int | None = None
    witness_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class DiscrepancyResolved:
    discrepancy_id: int
    movement_ids: list[int]


async def resolve_discrepancy(
    uow: UnitOfWork, principal: Principal, cmd: ResolveDiscrepancy
) -> service.Outcome:
    """Close a difference, saying how. Never overwrites a side silently:

    - resend: queue our failed reports for that tag again (the state was missing our change);
    - adjust: bring our books to the state's number with evidence and a second approver (the
      adjustment is *not* reported: the state already has that number);
    - explain: record why the difference is legitimate.
    """
    if cmd.resolution not in RESOLUTIONS:
        raise ValidationError("resolution", f"one of {', '.join(RESOLUTIONS)}")
    note = clean_note(cmd.note)
    if not note:
        raise ValidationError("note", "record the evidence or reason")
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT location, tag, kind, status, our_quantity, state_quantity FROM discrepancy"
            " WHERE id = $1",
            cmd.discrepancy_id,
        )
    if row is None or principal.role_at(row["location"]) is None:
        raise NotFound("discrepancy", str(cmd.discrepancy_id))
    principal.require(Capability.HOLD_STOCK, row["location"])
    if cmd.resolution == "adjust":
        principal.require(Capability.ADJUST_STOCK, row["location"])
        witness_id = _check_adjustable(principal, cmd, row)
        await lookup.witness(row["location"], witness_id)

    async def work(uow: UnitOfWork) -> DiscrepancyResolved:
        async with db.connection() as conn:
            locked = await conn.fetchval(
                "SELECT status FROM discrepancy WHERE id = $1 FOR UPDATE", cmd.discrepancy_id
            )
        if locked != "open":
            raise ValidationError("discrepancyId", "this discrepancy is already resolved")
        movement_ids: list[int] = []
        if cmd.resolution == "resend":
            await _resend(uow, row["location"], row["tag"])
        elif cmd.resolution == "adjust":
            movement_ids = await _adjust_to_state(uow, principal, cmd, row, note)
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE discrepancy SET status = 'resolved', resolution = $2,"
                " resolution_note = $3, resolved_by = $4, resolved_at = now() WHERE id = $1",
                cmd.discrepancy_id,
                cmd.resolution,
                note,
                principal.user_id,
            )
        await changelog.change(
            uow,
            principal,
            "resolveDiscrepancy",
            "discrepancy",
            cmd.discrepancy_id,
            location_id=row["location"],
            before={"status": locked},
            after={
                "status": "resolved",
                "resolution": cmd.resolution,
                "resolution_note": note,
                "witness_id": cmd.witness_id,
                "movement_ids": movement_ids,
            },
        )
        return DiscrepancyResolved(cmd.discrepancy_id, movement_ids)

    return await service.run(uow, principal, "resolveDiscrepancy", cmd, work, DiscrepancyResolved)


def _check_adjustable(principal: Principal, cmd: ResolveDiscrepancy, row: dict) -> int:
    """Refuse a correction the request cannot make; the witness who approves it."""
    if row["kind"] != "quantity_differs":
        raise ValidationError("resolution", "only a quantity difference can be adjusted away")
    if cmd.zone_id is None:
        raise ValidationError("zoneId", "say which zone takes the correction")
    if cmd.witness_id is None or cmd.witness_id == principal.user_id:
        raise ValidationError("witnessId", "a second person must approve a correction")
    return cmd.witness_id


async def _resend(uow: UnitOfWork, location_id: int, tag: str) -> None:
    async with db.connection() as conn:
        requeued = await conn.fetch(
            "UPDATE state_report SET status = 'pending', attempts = 0, next_attempt_at = now(),"
            " last_error = NULL, updated_at = now()"
            " WHERE location = $1 AND $2 = ANY(tags) AND status = 'failed' RETURNING id",
            location_id,
            tag,
        )
    if not requeued:
        raise ValidationError("resolution", "there is no failed report for this tag to resend")
    uow.record(events.StateReportsQueued(location_id=location_id))


async def _adjust_to_state(
    uow: UnitOfWork, principal: Principal, cmd: ResolveDiscrepancy, row: dict, note: str
) -> list[int]:
    delta: Decimal = row["state_quantity"] - row["our_quantity"]
    zone_id = cmd.zone_id
    if zone_id is None:  # refused already, before the transaction (_check_adjustable)
        raise ValidationError("zoneId", "say which zone takes the correction")
    package, zones = await lookup.package_and_zones(row["location"], row["tag"], (zone_id,))
    zone = zones[zone_id]
    posted = await ledger.post(
        uow,
        [
            ledger.Draft(
                package_id=package.id,
                kind=MovementKind.ADJUST,
                quantity=abs(delta),
                from_zone=zone if delta < 0 else None,
                to_zone=zone if delta > 0 else None,
                reason=AdjustmentReason.COUNT_CORRECTION,
                note=f"reconciliation #{cmd.discrepancy_id}: {note}"[:1000],
            )
        ],
        ledger.Posting(
            actor_id=principal.user_id,
            witness_id=cmd.witness_id,
            source_document=f"discrepancy:{cmd.discrepancy_id}",
            idempotency_key=cmd.idempotency_key,
            report=False,
        ),
    )
    return [p.id for p in posted]


@dataclass(frozen=True)
class StartReconciliation:
    location_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReconciliationQueued:
    run_id: int


async def start_reconciliation(
    uow: UnitOfWork, principal: Principal, cmd: StartReconciliation
) -> service.Outcome:
    """Compare our books with the state's now, not at the nightly run."""
    principal.require(Capability.HOLD_STOCK, cmd.location_id)

    async def work(uow: UnitOfWork) -> ReconciliationQueued:
        return ReconciliationQueued(await reconcile.request(uow, cmd.location_id))

    return await service.run(uow, principal, "startReconciliation", cmd, work, ReconciliationQueued)


@dataclass(frozen=True)
class AssignDiscrepancy:
    discrepancy_id: int
    owner_id: int
    idempotency_key: str | None = None


async def assign_discrepancy(
    uow: UnitOfWork, principal: Principal, cmd: AssignDiscrepancy
) -> service.Outcome:
    """Give a difference an owner: someone with a grant at that licence."""
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM discrepancy WHERE id = $1", cmd.discrepancy_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("discrepancy", str(cmd.discrepancy_id))
    principal.require(Capability.HOLD_STOCK, location_id)
    await lookup.witness(location_id, cmd.owner_id)

    async def work(uow: UnitOfWork) -> DiscrepancyResolved:
        async with db.connection() as conn:
            was = await conn.fetchval(
                "SELECT owner FROM discrepancy WHERE id = $1 FOR UPDATE", cmd.discrepancy_id
            )
            await conn.execute(
                "UPDATE discrepancy SET owner = $2 WHERE id = $1", cmd.discrepancy_id, cmd.owner_id
            )
        await changelog.change(
            uow,
            principal,
            "assignDiscrepancy",
            "discrepancy",
            cmd.discrepancy_id,
            location_id=location_id,
            before={"owner": was},
            after={"owner": cmd.owner_id},
        )
        return DiscrepancyResolved(cmd.discrepancy_id, [])

    return await service.run(uow, principal, "assignDiscrepancy", cmd, work, DiscrepancyResolved)


async def export_ccrs_week(
    uow: UnitOfWork, principal: Principal, location_id: int, day: date
) -> WeekExport:
    """The week's CCRS files for a Washington licence (naturally idempotent: exporting a week
    again gives the same rows and files nothing twice)."""
    principal.require(Capability.HOLD_STOCK, location_id)
    async with db.connection() as conn:
        system = await conn.fetchval("SELECT state_system FROM location WHERE id = $1", location_id)
    if system != "ccrs":
        raise ValidationError("locationId", "this licence does not report through CCRS")
    return await ccrs_export.export_week(uow, location_id, day, principal.name)
