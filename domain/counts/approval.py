"""A manager's decision on a submitted count: approval corrects the books through the ledger
(and thereby the state, through the outbox) and records the three-way view; rejection does not."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain import service
from domain.changelog import record as changelog
from domain.compliance import adjustment_reasons
from domain.counts import queries
from domain.counts.model import SessionStatus
from domain.counts.sessions import require_state, session_for
from domain.errors import CannotApproveOwnCount
from domain.events import CountUpdated
from domain.identity.principal import Principal
from domain.inventory import ledger, lookup
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.inventory.rules import clean_note
from domain.quantities import display
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

# What each line of an approved count leaves in the discrepancies (the compliance screen).
DISCREPANCY_KIND = "count_variance"


@dataclass(frozen=True)
class DecideCount:
    session_id: int
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CountDecided:
    session_id: int
    status: str
    movement_ids: list[int]


async def _decidable(principal: Principal, session_id: int) -> queries.CountSessionRow:
    row = await session_for(principal, session_id)
    principal.require(Capability.APPROVE_COUNT, row.location_id)
    if row.takes_part(principal.user_id):
        raise CannotApproveOwnCount(row.id)
    return row


async def approve_count(uow: UnitOfWork, principal: Principal, cmd: DecideCount) -> service.Outcome:
    """Accept a count as the truth: one COUNT_CORRECTION movement per package whose count
    differs from the books, through the ledger with the session as source document and its
    witness recorded, so the state report goes out with the licence's mapped reason; every
    counted package's ``lastCountedAt`` moves, and the count is written into reconciliation."""
    row = await _decidable(principal, cmd.session_id)
    require_state(row, SessionStatus.SUBMITTED)
    note = clean_note(cmd.note)
    # The licence's state reason for count corrections may need a note: ours always has one.
    await adjustment_reasons.check_adjustment(
        uow.registry, row.location_id, AdjustmentReason.COUNT_CORRECTION, "count", None
    )

    async def work(uow: UnitOfWork) -> CountDecided:
        # Two managers approving at once: the second waits here, then finds it decided.
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, SessionStatus.SUBMITTED)
        lines = [
            ln
            for ln in await queries.lines(locked.id)
            if ln.package_id is not None
            and ln.finding is None
            and not ln.superseded
            and ln.variance is not None
        ]
        zones = await lookup.zones(locked.location_id, {ln.zone_id for ln in lines if ln.zone_id})
        drafts = [
            ledger.Draft(
                package_id=ln.package_id,
                kind=MovementKind.ADJUST,
                quantity=abs(ln.variance),
                from_zone=zones[ln.zone_id] if ln.variance < 0 else None,
                to_zone=zones[ln.zone_id] if ln.variance > 0 else None,
                reason=AdjustmentReason.COUNT_CORRECTION,
                note=_note(locked.id, ln),
            )
            for ln in lines
            if ln.variance and ln.package_id is not None and ln.zone_id is not None
        ]
        posted = await ledger.post(
            uow,
            drafts,
            ledger.Posting(
                actor_id=principal.user_id,
                witness_id=locked.witness_id,
                source_document=f"count_session:{locked.id}",
                idempotency_key=cmd.idempotency_key,
            ),
        )
        conn = uow.conn
        await conn.execute(
            "UPDATE package SET last_counted_at = now() WHERE id = ANY($1::int[])",
            sorted({ln.package_id for ln in lines if ln.package_id is not None}),
        )
        await _three_way(conn, locked, lines, principal.user_id)
        await conn.execute(
            "UPDATE count_session SET status = 'approved', decided_by = $2, decided_at = now(),"
            " decision_note = $3, updated_at = now() WHERE id = $1",
            locked.id,
            principal.user_id,
            note,
        )
        await changelog.change(
            uow,
            principal,
            "approveCount",
            "count session",
            locked.id,
            location_id=locked.location_id,
            before={"status": str(locked.status)},
            after={
                "status": str(SessionStatus.APPROVED),
                "decision_note": note,
                "movement_ids": [p.id for p in posted],
            },
        )
        uow.record(
            CountUpdated(location_id=locked.location_id, session_id=locked.id, status="approved")
        )
        return CountDecided(locked.id, str(SessionStatus.APPROVED), [p.id for p in posted])

    return await service.run(uow, principal, "approveCount", cmd, work, CountDecided)


def _note(session_id: int, line: queries.CountLineRow) -> str:
    """Within every state's note limit (METRC's ReasonNote: 200 characters)."""
    return (
        f"Cycle count #{session_id}: counted {display(line.counted_quantity)},"
        f" books {display(line.expected_quantity or Decimal(0))}"
    )[:200]


async def _three_way(
    conn: Any, row: queries.CountSessionRow, lines: list[queries.CountLineRow], decider: int
) -> None:
    """One discrepancy per counted package: physical (what the count found), ours (the books at
    the scan, before the correction) and the state's last known quantity. It stays open where
    the state and our books disagreed (a relative correction will not mend that); otherwise it
    is kept, resolved, as the record of the count."""
    per_package: dict[int, tuple[str, Decimal, Decimal]] = {}
    for ln in lines:
        if ln.package_id is None or ln.expected_quantity is None:
            continue
        tag, counted, expected = per_package.get(ln.package_id, (ln.tag, Decimal(0), Decimal(0)))
        per_package[ln.package_id] = (
            tag,
            counted + ln.counted_quantity,
            expected + ln.expected_quantity,
        )
    if not per_package:
        return
    tags = [t for t, _, _ in per_package.values()]
    await conn.execute(
        "UPDATE discrepancy SET status = 'resolved', resolution = 'recounted',"
        " resolution_note = 'replaced by count session ' || $3, resolved_at = now()"
        " WHERE location = $1 AND tag = ANY($2::text[]) AND kind = $4 AND status = 'open'",
        row.location_id,
        tags,
        str(row.id),
        DISCREPANCY_KIND,
    )
    await conn.execute(
        """
        WITH incoming AS (
            SELECT x.tag, x.physical, x.ours, s.quantity AS state_quantity,
                   (s.quantity IS NOT NULL AND s.quantity <> x.ours) AS still_open
            FROM unnest($2::text[], $3::numeric[], $4::numeric[]) AS x(tag, physical, ours)
            LEFT JOIN state_package s ON s.location = $1 AND s.tag = x.tag
        )
        INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,
            physical_quantity, difference, suspected_cause, first_seen_run, last_seen_run,
            first_seen_at, last_seen_at, status, resolution, resolution_note, resolved_by,
            resolved_at, count_session)
        SELECT $1, i.tag, $6, i.ours, i.state_quantity, i.physical, i.physical - i.ours,
               'cycle count ' || ($5::bigint)::text
               || CASE WHEN i.physical = i.ours THEN ': shelf matches our books'
                       ELSE ': shelf differs from our books (corrected)' END
               || CASE WHEN i.state_quantity IS NULL THEN ''
                       WHEN i.state_quantity = i.ours THEN '; state agreed with our books'
                       ELSE '; state last said ' || i.state_quantity END,
               0, 0, now(), now(),
               CASE WHEN i.still_open THEN 'open' ELSE 'resolved' END,
               CASE WHEN i.still_open THEN NULL ELSE 'counted' END,
               NULL,
               CASE WHEN i.still_open THEN NULL ELSE $7::int END,
               CASE WHEN i.still_open THEN NULL ELSE now() END,
               $5::bigint
        FROM incoming i
        """,
        row.location_id,
        tags,
        [c for _, c, _ in per_package.values()],
        [e for _, _, e in per_package.values()],
        row.id,
        DISCREPANCY_KIND,
        decider,
    )


async def reject_count(uow: UnitOfWork, principal: Principal, cmd: DecideCount) -> service.Outcome:
    """Refuse a count (a badly run session): the books stay as they are; count again."""
    row = await _decidable(principal, cmd.session_id)
    require_state(row, SessionStatus.SUBMITTED, SessionStatus.RECOUNT_REQUIRED)
    note = clean_note(cmd.note)

    async def work(uow: UnitOfWork) -> CountDecided:
        locked = await queries.session(cmd.session_id, for_update=True)
        assert locked is not None
        require_state(locked, SessionStatus.SUBMITTED, SessionStatus.RECOUNT_REQUIRED)
        await uow.conn.execute(
            "UPDATE count_session SET status = 'rejected', decided_by = $2, decided_at = now(),"
            " decision_note = $3, updated_at = now() WHERE id = $1",
            locked.id,
            principal.user_id,
            note,
        )
        await changelog.change(
            uow,
            principal,
            "rejectCount",
            "count session",
            locked.id,
            location_id=locked.location_id,
            before={"status": str(locked.status)},
            after={"status": str(SessionStatus.REJECTED), "decision_note": note},
        )
        uow.record(
            CountUpdated(location_id=locked.location_id, session_id=locked.id, status="rejected")
        )
        return CountDecided(locked.id, str(SessionStatus.REJECTED), [])

    return await service.run(uow, principal, "rejectCount", cmd, work, CountDecided)
