"""Three-way reconciliation, the state's side: our ledger against the state's packages.

Each run refreshes a mirror of the state's packages (only what changed since the last run, in
the day windows METRC allows), compares it with the ledger in one query, and keeps a lasting
record of every difference: its kind, both numbers, what our outbox says about it, its age and
owner, until someone resolves it. A difference that disappears (a pending report got through) is
closed as cleared; nothing here ever changes either side's numbers.

A state record we cannot take as it is (no label, a quantity that is not a number or does not fit
the mirror, an unreadable date, a unit the state does not list) is mirrored as malformed and
recorded as a discrepancy of its own kind with its raw values; the run goes on. A run fails as
"state unreachable" only when the state could not be reached (network, 5xx, credentials).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain import db, events
from domain.compliance import connections, reconcile_sql
from domain.rows import returned
from domain.text import has_nul, storable, storable_or_none
from domain.unit_of_work import UnitOfWork
from plugins.base import ResultStatus, StateCapability, StatePackage

log = logging.getLogger(__name__)

# Each pull starts a little before the last one ended: state clocks and commit order drift.
OVERLAP = timedelta(minutes=10)
MIRROR_CHUNK = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What the mirror's numeric(14,3) can hold, and its text widths.
QUANTITY_LIMIT = Decimal("1e11")
TAG_WIDTH, UNIT_WIDTH, ITEM_WIDTH = 64, 32, 200
MALFORMED = "malformed_state_record"


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    status: str
    packages_compared: int = 0
    discrepancies_found: int = 0
    error: str | None = None


async def start_run(location_id: int) -> int:
    async with db.connection() as conn:
        return returned(
            await conn.fetchval(
                "INSERT INTO reconciliation_run (location, status, started_at, packages_compared,"
                " discrepancies_found) VALUES ($1, 'running', now(), 0, 0) RETURNING id",
                location_id,
            )
        )


async def reconcile(uow: UnitOfWork, location_id: int, run_id: int | None = None) -> RunSummary:
    """Refresh the mirror from the state, compare, record differences. Safe to run twice."""
    run_id = run_id or await start_run(location_id)
    target = await connections.load(uow.registry, location_id)
    if (
        target is None
        or target.system.connect is None
        or StateCapability.PULL_ACTIVE_PACKAGES not in target.system.capabilities
    ):
        return await _finish(run_id, "skipped", error="this licence's state system has no API")
    try:
        client = target.system.connect(target.connection)
        try:
            await refresh_mirror(location_id, client)
        finally:
            await client.close()
    except Exception as exc:
        log.exception("reconciliation of location %s failed pulling from the state", location_id)
        return await _finish(run_id, "failed", error=storable(_why(exc)))
    compared, found = await compare(uow, location_id, run_id)
    return await _finish(run_id, "finished", compared, found)


async def refresh_mirror(location_id: int, client: Any) -> int:
    """Pull what changed at the state since the last pull into ``state_package``."""
    async with db.connection() as conn:
        synced_until = await conn.fetchval(
            "SELECT packages_synced_until FROM state_sync WHERE location = $1", location_id
        )
    pulled_from = datetime.now(UTC)
    since = synced_until - OVERLAP if synced_until else None
    batch: list[StatePackage] = []
    count = 0
    # One chunk is written while the next is fetched: the state's answers and our database
    # writes overlap instead of taking turns. Upserts keep the newest lastModified, so their
    # order does not matter; at most one is in flight.
    writing: asyncio.Task[int] | None = None
    try:
        async for package in client.pull_packages(since):
            batch.append(package)
            if len(batch) >= MIRROR_CHUNK:
                if writing is not None:
                    count += await writing
                writing = asyncio.create_task(_upsert(location_id, batch))
                batch = []
        if writing is not None:
            count += await writing
            writing = None
    finally:
        if writing is not None:
            writing.cancel()
    count += await _upsert(location_id, batch)
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO state_sync (location, packages_synced_until) VALUES ($1, $2)"
            " ON CONFLICT (location) DO UPDATE SET packages_synced_until = EXCLUDED."
            "packages_synced_until",
            location_id,
            pulled_from,
        )
    return count


def _why(exc: Exception) -> str:
    """A failed pull, in words: unreachable only when the state was (not our bug, not a 4xx)."""
    status = getattr(exc, "status", None)
    if status in (ResultStatus.RETRY, ResultStatus.UNKNOWN) or isinstance(exc, OSError):
        return f"state unreachable: {exc}"
    if status == ResultStatus.FAILED:
        return f"the state refused the pull: {exc}"
    return f"reconciliation failed: {type(exc).__name__}: {exc}"


def checked(package: StatePackage) -> StatePackage:
    """The package as the mirror can hold it: one it cannot (or the plugin could not read)
    keeps a zero quantity and says why, with the state's raw values."""
    problems = [package.problem] if package.problem else []
    quantity = package.quantity
    if not quantity.is_finite():
        problems.append(f"quantity {quantity} is not a number")
    elif abs(quantity) >= QUANTITY_LIMIT:
        problems.append(f"quantity {quantity} is out of range")
    tag = package.tag.strip()
    if not tag:
        problems.append("no label")
        tag = "(no label)"
    elif len(tag) > TAG_WIDTH:
        problems.append(f"label longer than {TAG_WIDTH} characters")
    if len(package.unit) > UNIT_WIDTH:
        problems.append(f"unit {package.unit[:40]!r}... is not a unit")
    # PostgreSQL text cannot hold a NUL: such a record is malformed, its text kept escaped.
    nul_in = [
        name
        for name, value in (
            ("label", package.tag),
            ("unit", package.unit),
            ("item name", package.item_name),
            ("status", package.status),
        )
        if has_nul(value)
    ]
    if nul_in:
        problems.append(f"a NUL character in its {', '.join(nul_in)}")
    item_name = package.item_name[:ITEM_WIDTH] if package.item_name else package.item_name
    if not problems:
        return replace(package, item_name=item_name)
    raw = package.raw or repr(
        {
            "Label": package.tag,
            "Quantity": str(quantity),
            "UnitOfMeasureName": package.unit,
            "ItemName": package.item_name,
        }
    )
    return replace(
        package,
        tag=storable(tag)[:TAG_WIDTH],
        quantity=Decimal(0),
        unit=storable(package.unit)[:UNIT_WIDTH],
        item_name=storable_or_none(item_name),
        status=storable(package.status),
        problem=storable("; ".join(problems)),
        raw=storable(raw),
    )


async def _upsert(location_id: int, packages: list[StatePackage]) -> int:
    # One row per tag per statement (a package can be listed as active and on hold at once).
    latest: dict[str, StatePackage] = {}
    for package in map(checked, packages):
        seen = latest.get(package.tag)
        if seen is None or (package.last_modified or _EPOCH) >= (seen.last_modified or _EPOCH):
            latest[package.tag] = package
    packages = list(latest.values())
    if not packages:
        return 0
    async with db.connection() as conn:
        await conn.execute(
            reconcile_sql.UPSERT_MIRROR,
            location_id,
            [p.tag for p in packages],
            [p.quantity for p in packages],
            [p.unit for p in packages],
            [p.status for p in packages],
            [p.item_name for p in packages],
            [p.last_modified for p in packages],
            [p.problem for p in packages],
            [p.raw for p in packages],
        )
    return len(packages)


async def compare(uow: UnitOfWork, location_id: int, run_id: int) -> tuple[int, int]:
    """Record every difference between the mirror and the ledger; returns (compared, found)."""
    async with uow:
        conn = uow.conn
        compared = returned(await conn.fetchval(reconcile_sql.COUNT_COMPARED, location_id), "count")
        differences = await conn.fetch(reconcile_sql.DIFFERENCES, location_id)
        causes = await _causes(conn, location_id, [d["tag"] for d in differences])
        rows = [_record(d, causes.get(d["tag"])) for d in differences]
        opened = await conn.fetch(
            reconcile_sql.UPSERT_DISCREPANCIES,
            location_id,
            run_id,
            [r["tag"] for r in rows],
            [r["kind"] for r in rows],
            [r["ours"] for r in rows],
            [r["theirs"] for r in rows],
            [r["difference"] for r in rows],
            [r["our_status"] for r in rows],
            [r["state_status"] for r in rows],
            [r["cause"] for r in rows],
            [r["raw"] for r in rows],
        )
        await conn.execute(reconcile_sql.CLEAR_GONE, location_id, run_id)
        new = [r for r in opened if r["is_new"]]
        if new:
            uow.record(
                events.ComplianceAlertRaised(
                    location_id=location_id,
                    kind=events.AlertKind.DISCREPANCIES_FOUND,
                    count=len(new),
                    message=f"{len(new)} new differences between our books and the state's",
                )
            )
    return compared, len(rows)


async def _causes(conn: Any, location_id: int, tags: list[str]) -> dict[str, str]:
    """What our outbox knows about each tag: unsent or refused reports explain differences."""
    if not tags:
        return {}
    rows = await conn.fetch(reconcile_sql.OUTBOX_BY_TAG, location_id, tags)
    causes: dict[str, list[str]] = {}
    for row in rows:
        if row["status"] == "failed":
            text = f"{row['kind']} report {row['external_id']} was refused: {row['last_error']}"
        else:
            text = (
                f"{row['kind']} report {row['external_id']} not yet at the state"
                f" (queued {row['created_at']:%Y-%m-%d %H:%M} UTC)"
            )
        causes.setdefault(row["tag"], []).append(text)
    return {tag: "; ".join(texts) for tag, texts in causes.items()}


def _record(row: Any, outbox_cause: str | None) -> dict[str, Any]:
    kind = row["kind"]
    if kind == MALFORMED:
        outbox_cause = f"the state's record could not be read: {row['problem']}"
    cause = outbox_cause or {
        "missing_at_state": "not at the state: a receipt not yet accepted there, or a package"
        " registered here by mistake",
        "missing_here": "at the state but not here: receiving not completed, or a transfer"
        " accepted at the state without us",
        "quantity_differs": "no unsent report explains it: a change made at the state (its web"
        " UI) or here that the other side never heard of",
        "status_differs": "a hold or release made on one side only",
    }.get(kind)
    return {
        "tag": row["tag"],
        "kind": kind,
        "ours": row["ours"],
        "theirs": row["theirs"],
        "difference": 0 if kind == MALFORMED else (row["ours"] or 0) - (row["theirs"] or 0),
        "our_status": row["our_status"],
        "state_status": row["state_status"],
        "cause": cause,
        "raw": row["raw"] if kind == MALFORMED else None,
    }


async def _finish(
    run_id: int, status: str, compared: int = 0, found: int = 0, error: str | None = None
) -> RunSummary:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE reconciliation_run SET status = $2, finished_at = now(),"
            " packages_compared = $3, discrepancies_found = $4, error = $5 WHERE id = $1",
            run_id,
            status,
            compared,
            found,
            error,
        )
    return RunSummary(run_id, status, compared, found, error)


async def request(uow: UnitOfWork, location_id: int) -> int:
    """Queue a run (on demand or on schedule); a worker picks it up. Returns the run id."""
    async with uow:
        conn = uow.conn
        run_id = returned(
            await conn.fetchval(
                "INSERT INTO reconciliation_run (location, status, started_at, packages_compared,"
                " discrepancies_found) VALUES ($1, 'queued', now(), 0, 0) RETURNING id",
                location_id,
            )
        )
        uow.record(events.ReconciliationRequested(location_id=location_id, run_id=run_id))
    return run_id


async def run_queued(uow: UnitOfWork, run_id: int) -> RunSummary | None:
    """Run a queued reconciliation once, however many times its job is delivered."""
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "UPDATE reconciliation_run SET status = 'running', started_at = now()"
            " WHERE id = $1 AND status = 'queued' RETURNING location",
            run_id,
        )
    if location_id is None:
        return None
    return await reconcile(uow, location_id, run_id)


async def stale_queued_runs(older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """Queued runs whose job never started (lost queue): the sweeper queues them again."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM reconciliation_run WHERE status = 'queued'"
            " AND started_at < now() - $1::interval ORDER BY id",
            older_than,
        )
    return [r["id"] for r in rows]
