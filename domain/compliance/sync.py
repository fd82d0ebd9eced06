"""The sync engine: drain a licence's state-report outbox, in order, exactly once.

Why it is shaped like this:
- One drainer per licence at a time, by a lease row (not a session lock), so a SIGKILLed worker
  only delays the next drain until the lease expires.
- A report is marked ``sending`` (and committed) before the request leaves. If the process dies
  or the request times out, the next attempt first asks the state whether it arrived
  (``StateClient.find``): METRC receipts by our ExternalReceiptNumber, adjustments by reading the
  package back, BioTrack by nonce replay. So a report reaches the state once.
- Order is kept: a retryable failure stops the drain (later reports wait); a permanent refusal is
  marked failed with the state's message for a person to act on, and the drain moves on.
- Nothing retries forever: past its deadline plus a grace period a report is marked failed.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain import db, events
from domain.compliance import connections, held_reports
from domain.text import storable, storable_or_none
from domain.unit_of_work import PluginRegistry, UnitOfWork
from plugins.base import (
    Mode,
    OutboundReport,
    RelatedReport,
    ReportKind,
    ReportResult,
    ResultStatus,
    StateClient,
)

log = logging.getLogger(__name__)

# A dead drainer's lease lapses after this; then another worker resumes its licence.
LEASE = timedelta(seconds=60)
MAX_BACKOFF_SECONDS = 300
GIVE_UP_AFTER_DEADLINE = timedelta(days=3)
GIVE_UP_WITHOUT_DEADLINE = timedelta(days=7)


def configure(*, lease_seconds: float) -> None:
    """Set the lease (api.bootstrap, from ``Settings.sync_lease_seconds``)."""
    global LEASE
    LEASE = timedelta(seconds=lease_seconds)


_CLAIM_LEASE = """
INSERT INTO state_sync (location, lease_owner, lease_until, last_attempt_at)
VALUES ($1, $2, now() + $3::interval, now())
ON CONFLICT (location) DO UPDATE
SET lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until,
    last_attempt_at = now()
WHERE state_sync.lease_until IS NULL OR state_sync.lease_until < now()
   OR state_sync.lease_owner = EXCLUDED.lease_owner
RETURNING location
"""

# The oldest unsent reports, in order; stops at the first one not yet due so nothing jumps the
# queue. ``related`` carries the state's ids for the report a void or return refers to.
_NEXT = """
WITH unsent AS (
    SELECT r.*, (r.next_attempt_at <= now()) AS due
    FROM state_report r
    WHERE r.location = $1 AND r.status IN ('pending', 'sending')
    ORDER BY r.id
    LIMIT $2
)
SELECT u.id, u.kind, u.status, u.external_id, u.occurred_at, u.payload, u.attempts,
       u.outcome_unknown, u.deadline_at, u.due, u.snapshot,
       coalesce(s.state_ids, '{}') AS related, s.kind AS related_kind,
       s.external_id AS related_external_id, s.status AS related_status,
       s.occurred_at AS related_occurred_at, s.payload AS related_payload
FROM unsent u
LEFT JOIN state_report s  -- at most one: external ids are unique per location
       ON s.location = u.location AND s.external_id = u.payload->>'related_external_id'
ORDER BY u.id
"""


@dataclass
class DrainResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: str | None = None
    # The last error of this drain (a refusal, a retry's reason): shown in syncStatus.
    last_error: str | None = None


async def drain(
    uow: UnitOfWork, location_id: int, owner: str, *, batch_limit: int = 200
) -> DrainResult:
    """Send every due report of one licence (safe to run twice: the lease decides). ``uow`` is
    opened once per request's outcomes (each commits, and announces, on its own)."""
    result = DrainResult()
    async with db.connection() as conn:
        leased = await conn.fetchval(_CLAIM_LEASE, location_id, owner, LEASE)
    if leased is None:
        result.skipped = "another worker holds the lease"
        return result
    try:
        target = await connections.load(uow.registry, location_id)
        if (
            target is None
            or target.system.mode != Mode.REALTIME_API
            or target.system.connect is None
        ):
            result.skipped = "no state API configured"
            return result
        client = target.system.connect(target.connection)
        try:
            await _drain_with(uow, client, location_id, owner, target, result, batch_limit)
        except Exception as exc:
            result.last_error = storable(f"the drain stopped: {exc}")
            raise
        finally:
            await client.close()
            await _record_health(location_id, result)
    finally:
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE state_sync SET lease_owner = NULL, lease_until = NULL"
                " WHERE location = $1 AND lease_owner = $2",
                location_id,
                owner,
            )
    return result


async def _drain_with(
    uow: UnitOfWork,
    client: StateClient,
    location_id: int,
    owner: str,
    target: connections.Target,
    result: DrainResult,
    batch_limit: int,
) -> None:
    rules = target.system.rules_for(target.state)
    size = rules.max_batch if rules.batch_reporting else 1
    while True:
        async with db.connection() as conn:
            rows = await conn.fetch(_NEXT, location_id, min(size, batch_limit))
        due = []
        for row in rows:
            if not row["due"]:
                break  # keep the order: later reports wait for this one
            due.append(row)
        if not due:
            return
        reports = [_outbound(row, target.timezone) for row in due]
        # Adjustments get their mapped state reason; unmapped ones are held, not sent.
        reports = await held_reports.prepare(uow, client, target, reports)
        rows_by_id = {row["id"]: row for row in due}
        # One request at a time: a snapshot must show the state just before its own request.
        for request in client.batches(reports):
            stop = await _send_one(uow, client, location_id, owner, request, rows_by_id, result)
            if stop:
                return


async def _send_one(
    uow: UnitOfWork,
    client: StateClient,
    location_id: int,
    owner: str,
    reports: list[OutboundReport],
    rows_by_id: dict[int, Any],
    result: DrainResult,
) -> bool:
    """Mark, look up, snapshot, send and record one request's reports; True to stop."""
    await _mark_sending(location_id, owner, [r.id for r in reports])
    outcomes: dict[int, ReportResult] = {}
    for report in reports:
        if report.outcome_unknown:
            try:
                found = await client.find(report)
            except Exception as exc:  # a plugin bug or an odd answer: this report waits
                log.exception("state client failed looking up report %s", report.id)
                why = f"looking it up failed: {type(exc).__name__}: {exc}"
                found = ReportResult(report.id, ResultStatus.UNKNOWN, (), why)
            if found is not None:
                outcomes[report.id] = found
    to_send = [r for r in reports if r.id not in outcomes]
    to_send = await _prepare(client, to_send, outcomes)
    if to_send:
        try:
            for sent in await client.send(to_send):
                outcomes[sent.report_id] = sent
        except Exception as exc:  # a plugin bug must not lose the reports: retry later
            log.exception("state client failed sending %d reports", len(to_send))
            for report in to_send:
                outcomes[report.id] = ReportResult(report.id, ResultStatus.UNKNOWN, (), str(exc))
    rows = [rows_by_id[r.id] for r in reports]
    return await _apply(uow, location_id, reports, outcomes, rows, result)


async def _prepare(
    client: StateClient, reports: list[OutboundReport], outcomes: dict[int, ReportResult]
) -> list[OutboundReport]:
    """Take and store each first-time report's snapshot before it is sent."""
    fresh = [r for r in reports if r.snapshot is None]
    if not fresh:
        return reports
    try:
        snapshots = await client.prepare(fresh)
    except Exception as exc:
        log.warning("preparing %d reports failed: %s", len(fresh), exc)
        for report in reports:
            outcomes[report.id] = ReportResult(report.id, ResultStatus.RETRY, message=str(exc))
        return []
    if snapshots:
        async with db.connection() as conn:
            await conn.executemany(
                "UPDATE state_report SET snapshot = $2 WHERE id = $1",
                [(report_id, _storable(snapshot)) for report_id, snapshot in snapshots.items()],
            )
    return [replace(r, snapshot=snapshots[r.id]) if r.id in snapshots else r for r in reports]


def _outbound(row: Any, timezone: str) -> OutboundReport:
    payload = row["payload"]
    snapshot = row["snapshot"]
    return OutboundReport(
        id=row["id"],
        kind=ReportKind(row["kind"]),
        external_id=row["external_id"],
        occurred_at=row["occurred_at"],
        timezone=timezone,
        payload=payload,
        attempts=row["attempts"],
        # A report left 'sending' by a dead worker may have reached the state.
        outcome_unknown=row["outcome_unknown"] or row["status"] == "sending",
        related_state_ids=tuple(row["related"] or ()),
        snapshot=snapshot,
        related=_related(row),
    )


def _related(row: Any) -> RelatedReport | None:
    if row["related_kind"] is None:
        return None
    payload = row["related_payload"]
    return RelatedReport(
        kind=ReportKind(row["related_kind"]),
        external_id=row["related_external_id"],
        status=row["related_status"],
        occurred_at=row["related_occurred_at"],
        payload=payload,
    )


async def _mark_sending(location_id: int, owner: str, ids: list[int]) -> None:
    async with db.transaction(), db.connection() as conn:
        await conn.execute(
            "UPDATE state_report SET status = 'sending', attempts = attempts + 1,"
            " updated_at = now() WHERE id = ANY($1::bigint[])",
            ids,
        )
        await conn.execute(
            "UPDATE state_sync SET lease_until = now() + $3::interval"
            " WHERE location = $1 AND lease_owner = $2",
            location_id,
            owner,
            LEASE,
        )


async def _apply(
    uow: UnitOfWork,
    location_id: int,
    reports: list[OutboundReport],
    outcomes: dict[int, ReportResult],
    rows: list[Any],
    result: DrainResult,
) -> bool:
    """Record each report's fate; True when the drain must stop (to keep the order)."""
    now = datetime.now(UTC)
    stop = False
    alerts: list[events.ComplianceAlertRaised] = []
    async with uow:
        conn = uow.conn
        for report, row in zip(reports, rows, strict=True):
            outcome = outcomes.get(report.id)
            if outcome is not None:  # a state's words or ids may hold a NUL PostgreSQL refuses
                outcome = replace(
                    outcome,
                    message=storable_or_none(outcome.message),
                    state_ids=[storable(str(i)) for i in outcome.state_ids],
                )
            if outcome is None:
                # Not attempted (an earlier report must go first): back in the queue as it was.
                await conn.execute(
                    "UPDATE state_report SET status = 'pending', attempts = attempts - 1,"
                    " updated_at = now() WHERE id = $1",
                    report.id,
                )
                continue
            if outcome.status == ResultStatus.SENT:
                result.sent += 1
                await conn.execute(
                    "UPDATE state_report SET status = 'sent', state_ids = $2, sent_at = now(),"
                    " outcome_unknown = false, last_error = NULL, updated_at = now()"
                    " WHERE id = $1",
                    report.id,
                    [str(i) for i in outcome.state_ids],
                )
                continue
            if outcome.status == ResultStatus.FAILED or _gave_up(row, now):
                result.failed += 1
                message = outcome.message or "the state refused the report"
                if outcome.status != ResultStatus.FAILED:
                    message = f"gave up retrying after the deadline: {message}"
                result.last_error = f"{report.kind} {report.external_id}: {message}"
                await conn.execute(
                    "UPDATE state_report SET status = 'failed', last_error = $2,"
                    " outcome_unknown = false, updated_at = now() WHERE id = $1",
                    report.id,
                    message,
                )
                alerts.append(_alert(location_id, events.AlertKind.REPORT_FAILED, report, message))
                continue
            # Retry (or unknown): later reports wait, to keep the order.
            result.deferred += 1
            stop = True
            # A refusal in this drain says more than "resent without refused rows".
            result.last_error = result.last_error or (
                f"{report.kind} {report.external_id}: {outcome.message or 'to be retried'}"
            )
            await conn.execute(
                "UPDATE state_report SET status = 'pending', next_attempt_at = $2,"
                " last_error = $3, outcome_unknown = outcome_unknown OR $4, updated_at = now()"
                " WHERE id = $1",
                report.id,
                now + timedelta(seconds=_backoff(report.attempts + 1, outcome.retry_after)),
                outcome.message,
                outcome.status == ResultStatus.UNKNOWN,
            )
        for alert in alerts:
            uow.record(alert)
    return stop


async def _record_health(location_id: int, result: DrainResult) -> None:
    """What syncStatus shows: ``last_success_at`` moves only when the state accepted a report;
    the last error stays, with its time, until a newer one replaces it."""
    if not result.sent and result.last_error is None:
        return
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE state_sync SET"
            " last_success_at = CASE WHEN $2 THEN now() ELSE last_success_at END,"
            " last_error = coalesce($3, last_error),"
            " last_error_at = CASE WHEN $3::text IS NULL THEN last_error_at ELSE now() END"
            " WHERE location = $1",
            location_id,
            result.sent > 0,
            result.last_error,
        )


def _storable(value: Any) -> Any:
    """A snapshot as jsonb can hold it (no NUL in any string)."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def _gave_up(row: Any, now: datetime) -> bool:
    deadline = row["deadline_at"]
    if deadline is not None:
        return now > deadline + GIVE_UP_AFTER_DEADLINE
    return now > row["occurred_at"] + GIVE_UP_WITHOUT_DEADLINE


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Exponential with full jitter, at least what the state asked for (Retry-After)."""
    ceiling = min(MAX_BACKOFF_SECONDS, 2 ** min(attempt, 12))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


def _alert(
    location_id: int, kind: events.AlertKind, report: OutboundReport, message: str
) -> events.ComplianceAlertRaised:
    return events.ComplianceAlertRaised(
        location_id=location_id,
        kind=kind,
        report_id=report.id,
        report_kind=str(report.kind),
        message=message,
    )


async def due_locations(plugins: PluginRegistry) -> list[int]:
    """Licences with reports due now and nobody draining them (what the sweeper re-queues).

    Only licences whose state system has an API: file-based reports wait for their export.
    """
    realtime = [s.name for s in plugins.state_systems.values() if s.mode == Mode.REALTIME_API]
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT DISTINCT r.location FROM state_report r
            JOIN location l ON l.id = r.location AND l.state_system = ANY($1::text[])
            LEFT JOIN state_sync s ON s.location = r.location
            WHERE r.status IN ('pending', 'sending') AND r.next_attempt_at <= now()
              AND (s.lease_until IS NULL OR s.lease_until < now())
            ORDER BY r.location
            """,
            realtime,
        )
    return [r["location"] for r in rows]


async def raise_overdue_alerts(uow: UnitOfWork) -> int:
    """Alert once for each report the state should already have (pending past its deadline)."""
    async with uow:
        rows = await uow.conn.fetch(
            "UPDATE state_report SET overdue_alerted = true, updated_at = now()"
            " WHERE status IN ('pending', 'sending', 'failed', 'held') AND deadline_at < now()"
            " AND NOT overdue_alerted RETURNING id, location, kind, external_id, deadline_at"
        )
        for row in rows:
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=row["location"],
                    kind=events.AlertKind.REPORT_OVERDUE,
                    report_id=row["id"],
                    report_kind=row["kind"],
                    message=f"{row['kind']} {row['external_id']} was due at the state"
                    f" by {row['deadline_at'].isoformat()}",
                )
            )
    return len(rows)
