"""The state system's own second destruction step, due after its hold (BioTrack).

Our DESTROY movement queues a DESTROY report; BioTrack's client sends it as
``inventory_destroy_schedule``, which starts BioTrack's hold. After that hold the waste must be
destroyed there too (``inventory_destroy``). A job kicked by ``DestructionCarriedOut`` at the
due time, and a sweep for any kick that was lost, call ``finish``; it is safe to run twice (the
record says when it is done, and the client's request is replay-safe under its own nonce).
"""

from __future__ import annotations

import logging

from domain import db
from domain.compliance import connections
from domain.text import storable
from domain.unit_of_work import UnitOfWork
from plugins.base import OutboundReport, ReportKind, ResultStatus, TwoStepDestruction

log = logging.getLogger(__name__)

DONE, WAITING, NOTHING, FAILED = "done", "waiting", "nothing to do", "failed"


async def finish(uow: UnitOfWork, destruction_id: int) -> str:
    """Carry out the state's second step for one destruction, if due and not done."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT location, movement, state_finished_at FROM destruction"
            " WHERE id = $1 AND state_finish_at IS NOT NULL",
            destruction_id,
        )
        if row is None or row["state_finished_at"] is not None:
            return NOTHING
        report = await conn.fetchrow(
            "SELECT id, kind, status, external_id, occurred_at, payload, attempts, snapshot"
            " FROM state_report WHERE location = $1 AND kind = 'destroy'"
            " AND $2::bigint = ANY(movements)",
            row["location"],
            row["movement"],
        )
    if report is None:
        await _close(destruction_id, "the state was not sent this destruction", done=True)
        return NOTHING
    if report["status"] in ("pending", "sending"):
        return WAITING  # the schedule step has not reached the state yet
    if report["status"] != "sent":
        await _close(destruction_id, f"the destruction report is {report['status']}", done=False)
        return FAILED
    target = await connections.load(uow.registry, row["location"])
    if target is None or target.system.connect is None:
        return WAITING  # the connection is off: the sweep tries again when it is back
    client = target.system.connect(target.connection)
    try:
        if not isinstance(client, TwoStepDestruction):
            await _close(destruction_id, "the state system has no second step", done=True)
            return NOTHING
        result = await client.finish_destruction(
            OutboundReport(
                id=report["id"],
                kind=ReportKind.DESTROY,
                external_id=report["external_id"],
                occurred_at=report["occurred_at"],
                timezone=target.timezone,
                payload=report["payload"],
                attempts=report["attempts"],
                snapshot=report["snapshot"],
            )
        )
    finally:
        await client.close()
    if result.status == ResultStatus.SENT:
        ids = ", ".join(result.state_ids) or "no id"
        await _close(destruction_id, f"destroyed at {target.system.title} ({ids})", done=True)
        return DONE
    if result.status == ResultStatus.FAILED:
        await _close(destruction_id, result.message or "refused by the state", done=False)
        return FAILED
    await _note(destruction_id, result.message)
    return WAITING


async def _close(destruction_id: int, note: str, *, done: bool) -> None:
    """Done: the step happened (or there is none). Not done: it failed for good and a person
    must act at the state; either way the sweep stops asking."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE destruction SET state_note = $2,"
            " state_finished_at = CASE WHEN $3 THEN now() END,"
            " state_finish_at = CASE WHEN $3 THEN state_finish_at END"
            " WHERE id = $1 AND state_finished_at IS NULL",
            destruction_id,
            storable(note)[:1000],
            done,
        )
    if not done:
        log.warning("destruction %s: state second step failed: %s", destruction_id, note)


async def _note(destruction_id: int, message: str | None) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE destruction SET state_note = $2 WHERE id = $1",
            destruction_id,
            storable(message or "waiting for the state")[:1000],
        )
