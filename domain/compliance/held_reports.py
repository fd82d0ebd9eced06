"""Adjustment reports that may not go to the state yet: their reason is not mapped.

Why it exists: the drain must never choose a state reason (issue 9, finding 2). Before a
licence's adjustments are sent, each gets the state reason compliance mapped for it, with that
reason's flags, in ``payload["state_reason"]``. One whose reason is unmapped (or mapped to a
name the state no longer lists) is ``held``: it leaves the queue without blocking later reports,
like a failed one, a compliance alert names the reason, and setting the mapping queues it again
(``adjustment_reasons.release_held``). One that lacks a detail its mapped reason requires (the
mapping was set after it was written) cannot be completed here and fails for a person to act on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from domain import events
from domain.compliance import adjustment_reasons as reasons
from domain.compliance.connections import Target
from domain.unit_of_work import UnitOfWork
from plugins.base import OutboundReport, StateClient

log = logging.getLogger(__name__)

# The drain fetches the state's list again when its copy is older than this.
REFRESH_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class _Held:
    report: OutboundReport
    reason: str
    mapped_to: str | None


async def prepare(
    uow: UnitOfWork, client: StateClient, target: Target, reports: Sequence[OutboundReport]
) -> list[OutboundReport]:
    """``reports`` with each adjustment's state reason attached; held and incomplete ones are
    recorded as such and left out. Untouched when the licence's system maps reasons itself, or
    when the state's list was never fetched and cannot be now (the client then retries)."""
    adjustments = [r for r in reports if r.kind in reasons.ADJUST_KINDS]
    if not adjustments or not reasons.applies(target.system, target.state):
        return list(reports)
    listed_reasons = await _current_list(uow, client, target.location_id)
    if listed_reasons is None:
        return list(reports)
    listed = {r.name: r for r in listed_reasons}
    mapped = await reasons.mappings(target.location_id)
    ready: dict[int, OutboundReport] = {}
    held: list[_Held] = []
    incomplete: list[tuple[OutboundReport, reasons.StateReasonInfo, list[str]]] = []
    for report in adjustments:
        ours = reasons.our_reason(report.kind, report.payload.get("reason"))
        info = listed.get(mapped.get(ours, ""))
        if info is None:
            held.append(_Held(report, ours, mapped.get(ours)))
            continue
        missing = reasons.missing_details(
            info, report.payload.get("note"), report.payload.get("waste_weight")
        )
        if missing:
            incomplete.append((report, info, missing))
            continue
        ready[report.id] = replace(
            report,
            payload={
                **report.payload,
                "state_reason": {
                    "name": info.name,
                    "requires_note": info.requires_note,
                    "requires_waste_weight": info.requires_waste_weight,
                },
            },
        )
    await _record(uow, target, list(ready.values()), held, incomplete)
    left_out = {h.report.id for h in held} | {r.id for r, _, _ in incomplete}
    return [ready.get(r.id, r) for r in reports if r.id not in left_out]


async def _current_list(
    uow: UnitOfWork, client: StateClient, location_id: int
) -> list[reasons.StateReasonInfo] | None:
    listed, fetched_at = await reasons.state_reasons(location_id)
    if fetched_at is not None and datetime.now(UTC) - fetched_at < REFRESH_AFTER:
        return listed
    try:
        fresh = await client.adjustment_reasons()
    except Exception as exc:  # an outage: use the copy we have, if any
        log.warning("refreshing adjustment reasons of location %s failed: %s", location_id, exc)
        return listed if fetched_at is not None else None
    async with uow:
        await reasons.store(location_id, fresh)
        await reasons.release_held(uow, location_id)
    listed, _ = await reasons.state_reasons(location_id)
    return listed


def _unmapped_message(title: str, reason: str, mapped_to: str | None, count: int) -> str:
    reports = "adjustment report" if count == 1 else f"{count} adjustment reports"
    if mapped_to is None:
        why = f"our reason '{reason}' is not mapped to a {title} reason for this licence"
    else:
        why = f"our reason '{reason}' is mapped to '{mapped_to}', which {title} no longer lists"
    return f"{reports} held, not sent: {why}. Map it (setAdjustmentReasonMapping) to send."


async def _record(
    uow: UnitOfWork,
    target: Target,
    ready: list[OutboundReport],
    held: list[_Held],
    incomplete: list[tuple[OutboundReport, reasons.StateReasonInfo, list[str]]],
) -> None:
    title = target.system.title
    by_reason: dict[tuple[str, str | None], list[OutboundReport]] = {}
    for h in held:
        by_reason.setdefault((h.reason, h.mapped_to), []).append(h.report)
    async with uow:
        conn = uow.conn
        # The stored payload shows which state reason the report went (or goes) out as.
        await conn.executemany(
            "UPDATE state_report SET payload = payload || jsonb_build_object('state_reason',"
            " $2::jsonb) WHERE id = $1",
            [(r.id, r.payload["state_reason"]) for r in ready],
        )
        for (reason, mapped_to), group in by_reason.items():
            message = _unmapped_message(title, reason, mapped_to, len(group))
            await conn.executemany(
                "UPDATE state_report SET status = 'held', last_error = $2,"
                " outcome_unknown = outcome_unknown OR $3, updated_at = now() WHERE id = $1",
                [(r.id, message, r.outcome_unknown) for r in group],
            )
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=target.location_id,
                    kind=events.AlertKind.ADJUSTMENT_REASON_UNMAPPED,
                    reason=reason,
                    report_id=group[0].id,
                    count=len(group),
                    message=message,
                )
            )
        for report, info, missing in incomplete:
            message = (
                f"{title}'s reason '{info.name}' requires {' and '.join(missing)}, which this"
                " adjustment lacks: record it at the state by hand and cancel this report, or"
                " map the reason to one that needs no more and retry"
            )
            await conn.execute(
                "UPDATE state_report SET status = 'failed', last_error = $2,"
                " outcome_unknown = false, updated_at = now() WHERE id = $1",
                report.id,
                message,
            )
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=target.location_id,
                    kind=events.AlertKind.REPORT_FAILED,
                    report_id=report.id,
                    report_kind=str(report.kind),
                    message=message,
                )
            )
