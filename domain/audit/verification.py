"""Verifying a location's tamper-evident records, and saying so to someone.

Why it exists: the ledger hash-chains every movement and the database refuses to edit it, but a
superuser can switch the guards off. Only re-computing the chains shows that happened, and only
if the result reaches a person: each run is stored (``verification_run``: rows and chains
walked, the digest of the chain heads an inspector can re-compute, the first broken link of each
chain) and every broken link raises a compliance alert naming the tag and sequence.

The checks are a registry, ``CHAIN_CHECKS``: each is ``async def check(conn, location_id)``
run inside one read-only, repeatable-read transaction (one snapshot for all of them), and
answers a ``ChainReport`` (or, for a checker written elsewhere, anything ``as_report`` reads:
None when clean, or its breaks). Adding a chain (the change log's) is one line in the list.
Each check streams its rows through a server-side cursor in chain order, so memory does not
grow with the ledger.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain import db
from domain.audit import runs
from domain.audit.chains import MAX_KEPT, Break, ChainWalk
from domain.changelog.model import ChangeLogBreak
from domain.changelog.queries import chain_head
from domain.changelog.verify import location_chain, verify_change_log
from domain.unit_of_work import UnitOfWork

# Rows fetched per round trip of the cursor: large enough to keep the walk busy, small enough
# that the batch in memory is a few megabytes.
BATCH = 2000


@dataclass(frozen=True)
class ChainReport:
    """What one check walked and found (``breaks`` keeps the first ``MAX_KEPT``)."""

    check: str
    chains: int
    rows: int
    heads_digest: str | None
    breaks: tuple[Break, ...]
    broken: int


Check = Callable[[asyncpg.Connection, int], Awaitable[Any]]

# Every movement of the location's packages, in chain order, with each package's recorded head.
# A package with no movement yields one row of NULLs (its head must still be the genesis). The
# lateral join reads each package's movements through its (package, sequence) index: a merge
# join would read every store's movements in the id range of this store's packages.
_MOVEMENTS = """
SELECT p.tag, p.movement_count, p.last_hash AS package_head,
       m.package_id, m.sequence, m.kind, m.from_zone_id, m.to_zone_id, m.quantity, m.reason,
       m.note, m.actor_id, m.witness_id, m.occurred_at, m.source_document, m.idempotency_key,
       m.previous_hash, m.hash
FROM package p
LEFT JOIN LATERAL (
    SELECT m.package AS package_id, m.sequence, m.kind, m.from_zone AS from_zone_id,
           m.to_zone AS to_zone_id, m.quantity, m.reason, m.note, m.actor AS actor_id,
           m.witness AS witness_id, m.occurred_at, m.source_document, m.idempotency_key,
           m.previous_hash, m.hash
    FROM movement m WHERE m.package = p.id ORDER BY m.sequence
) m ON true
WHERE p.location = $1
ORDER BY p.tag, m.sequence
"""


async def verify_movement_chains(conn: asyncpg.Connection, location_id: int) -> ChainReport:
    """Re-compute every package's movement chain at the location, one row at a time."""
    walk = ChainWalk("movements")
    current: str | None = None
    async for row in conn.cursor(_MOVEMENTS, location_id, prefetch=BATCH):
        if row["tag"] != current:
            current = row["tag"]
            walk.start(row["tag"], row["movement_count"], row["package_head"])
        if row["sequence"] is not None:
            walk.feed(row)
    walk.finish()
    return ChainReport(
        "movements", walk.chains, walk.rows, walk.digest, tuple(walk.breaks), walk.broken
    )


_DANGLING = """
SELECT coalesce(p.tag, m.package::text) AS tag, m.sequence, count(*) OVER () AS total
FROM movement m LEFT JOIN package p ON p.id = m.package
WHERE m.location = $1 AND (
    (m.from_zone IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM zone z WHERE z.id = m.from_zone AND z.location = m.location))
    OR (m.to_zone IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM zone z WHERE z.id = m.to_zone AND z.location = m.location))
    OR NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = m.actor)
    OR (m.witness IS NOT NULL AND NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = m.witness))
    OR p.location IS DISTINCT FROM m.location)
ORDER BY m.package, m.sequence
LIMIT $2
"""


async def check_references(conn: asyncpg.Connection, location_id: int) -> ChainReport:
    """Movements whose zones are not this location's, or whose people or package do not exist
    here: the references the ledger deliberately keeps out of foreign keys (see ``Movement``)."""
    rows = await conn.fetch(_DANGLING, location_id, MAX_KEPT)
    breaks = tuple(
        Break("references", r["tag"], r["sequence"], "names a zone, person or package elsewhere")
        for r in rows
    )
    return ChainReport("references", 0, 0, None, breaks, rows[0]["total"] if rows else 0)


async def check_change_log(conn: asyncpg.Connection, location_id: int) -> ChainReport:
    """The location's chain of non-stock changes (``domain.changelog``): every row re-hashed;
    its head (sequence and hash) is the digest an inspector compares with a later run."""
    found = await verify_change_log(conn, location_id)
    chain = location_chain(location_id)
    rows: int = await conn.fetchval("SELECT count(*) FROM change_log WHERE chain = $1", chain) or 0
    head = await chain_head(conn, chain)
    breaks = tuple(
        Break("change_log", b.chain, b.sequence, f"row {b.id} (#{b.sequence}, {b.operation}):"
              f" {b.reason}")
        for b in found
    )  # fmt: skip
    digest = f"{head[0]}:{head[1]}" if head else None
    return ChainReport("change_log", 1 if rows else 0, rows, digest, breaks[:MAX_KEPT], len(breaks))


# The registered checks, run in this order in one snapshot. Add a chain here.
CHAIN_CHECKS: list[tuple[str, Check]] = [
    ("movements", verify_movement_chains),
    ("references", check_references),
    ("change_log", check_change_log),
]


def as_report(name: str, found: Any) -> ChainReport:
    """A check's answer as a ``ChainReport``: one already is; None is a clean chain; anything
    else is read as its breaks (objects with ``sequence`` and ``reason``, and a ``tag``, or
    ``chain``/``entity``/``key`` naming what broke)."""
    if isinstance(found, ChainReport):
        return found
    if found is None:
        return ChainReport(name, 1, 0, None, (), 0)
    items = list(found) if isinstance(found, Iterable) else [found]
    breaks = tuple(
        Break(
            name,
            str(_first(item, ("tag", "chain", "entity", "key"), name)),
            int(_first(item, ("sequence", "seq", "id"), 0)),
            str(_first(item, ("reason",), "broken")),
        )
        for item in items
    )
    return ChainReport(name, 1, 0, None, breaks[:MAX_KEPT], len(breaks))


def _first(item: Any, names: tuple[str, ...], default: Any) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value is not None:
            return value
    return default


async def run_checks(location_id: int) -> list[ChainReport]:
    """Every registered check over one snapshot of the location's records."""
    reports: list[ChainReport] = []
    async with (
        db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        for name, check in CHAIN_CHECKS:
            reports.append(as_report(name, await check(conn, location_id)))
    return reports


async def verify_location(
    uow: UnitOfWork, location_id: int, trigger: str
) -> runs.VerificationRunRow:
    """Verify one location's chains and record the run (and an alert per broken chain).

    Three transactions: the run is recorded as started (so a run that dies shows), the checks
    read one snapshot, and the outcome is stored with its alerts, published after commit.
    """
    run_id = await runs.start(uow, location_id, trigger)
    try:
        reports = await run_checks(location_id)
    except Exception as exc:
        await runs.fail(uow, run_id, f"{type(exc).__name__}: {exc}")
        raise
    heads = [runs.ChainHeads(r.check, r.chains, r.rows, r.heads_digest, r.broken) for r in reports]
    findings = [b for r in reports for b in r.breaks]
    return await runs.finish(uow, run_id, location_id, heads, findings)


async def verify_shared_change_log() -> list[ChangeLogBreak]:
    """The change-log chains no location owns: each operator's operator-wide changes (prices,
    lab status, users) and the system chain (sign-ins with unknown e-mails)."""
    async with (
        db.connection() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        return await verify_change_log(conn, None)
