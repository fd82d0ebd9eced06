"""Reading the change log: the auditLog's pages and the packet's streamed rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from domain import db
from domain.changelog.model import ActorKind
from domain.identity.principal import Principal
from domain.inventory.queries import Page
from domain.roles import Capability, Role

MAX_PAGE = 200
# Rows fetched per round trip when streaming (the packet, verification): memory stays flat.
BATCH = 1000

CHANGE_COLUMNS = (
    "c.id, c.chain, c.sequence, c.operator AS operator_id, c.location AS location_id,"
    " c.actor_kind, c.user_id, c.api_key_id, c.client, c.occurred_at, c.operation,"
    " c.entity_type, c.entity_id, c.before, c.after, c.prev_hash, c.hash"
)


@dataclass(frozen=True)
class ChangeRow:
    id: int
    chain: str
    sequence: int
    operator_id: int | None
    location_id: int | None
    actor_kind: ActorKind
    user_id: int | None
    api_key_id: int | None
    client: str | None
    occurred_at: datetime
    operation: str
    entity_type: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str

    @classmethod
    def from_record(cls, r: Any) -> ChangeRow:
        return cls(**{**dict(r), "actor_kind": ActorKind(r["actor_kind"])})


# Who may read the log: auditors, compliance and admins (the roles an inspection involves).
READERS = frozenset({Role.AUDITOR, Role.COMPLIANCE, Role.ADMIN})


def readable_locations(principal: Principal) -> list[int]:
    """The locations whose change log ``principal`` may read (a key never may)."""
    if principal.scopes is not None:
        return []
    return sorted(
        loc
        for loc, role in principal.grants.items()
        if role in READERS and principal.can(Capability.READ, loc)
    )


@dataclass(frozen=True)
class ChangeFilter:
    location_ids: list[int]
    # Operator-wide rows of this operator are included when set.
    operator_id: int | None
    location_id: int | None = None
    actor_id: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def changes_page(f: ChangeFilter, first: int, after: int | None) -> Page[ChangeRow]:
    """Newest first; only rows of ``f.location_ids`` (and operator-wide rows of the operator)."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    scope = f"c.location = ANY({arg(f.location_ids)}::int[])"
    if f.operator_id is not None and f.location_id is None:
        scope = f"({scope} OR (c.location IS NULL AND c.operator = {arg(f.operator_id)}))"
    where = [scope]
    if f.location_id is not None:
        where.append(f"c.location = {arg(f.location_id)}")
    if f.actor_id is not None:
        where.append(f"c.user_id = {arg(f.actor_id)}")
    if f.entity_type is not None:
        where.append(f"c.entity_type = {arg(f.entity_type)}")
    if f.entity_id is not None:
        where.append(f"c.entity_id = {arg(f.entity_id)}")
    if f.operation is not None:
        where.append(f"c.operation = {arg(f.operation)}")
    if f.since is not None:
        where.append(f"c.occurred_at >= {arg(f.since)}")
    if f.until is not None:
        where.append(f"c.occurred_at < {arg(f.until)}")
    if after is not None:
        where.append(f"c.id < {arg(after)}")
    limit = max(1, min(first, MAX_PAGE))
    sql = (
        f"SELECT {CHANGE_COLUMNS} FROM change_log c WHERE {' AND '.join(where)}"
        f" ORDER BY c.id DESC LIMIT {limit + 1}"
    )
    async with db.connection() as conn:
        rows = [ChangeRow.from_record(r) for r in await conn.fetch(sql, *args)]
    return Page(rows[:limit], len(rows) > limit)


async def change_log_rows(
    conn: asyncpg.Connection,
    location_id: int,
    start: datetime,
    end: datetime,
    *,
    operator_id: int | None = None,
) -> AsyncIterator[ChangeRow]:
    """A location's rows in ``[start, end)``, oldest first, streamed through a server-side
    cursor ``BATCH`` rows at a time (the audit packet: memory does not grow with history).

    With ``operator_id``, the operator's operator-wide rows of the period too (a price or a lab
    status changed for every store), interleaved in the order they were written.
    Opens a transaction (or a savepoint in the caller's) because cursors live in one.
    """
    scope = "c.location = $1"
    args: list[Any] = [location_id, start, end]
    if operator_id is not None:
        scope = "(c.location = $1 OR (c.location IS NULL AND c.operator = $4))"
        args.append(operator_id)
    async with conn.transaction():
        cursor = conn.cursor(
            f"SELECT {CHANGE_COLUMNS} FROM change_log c WHERE {scope}"
            " AND c.occurred_at >= $2 AND c.occurred_at < $3 ORDER BY c.id",
            *args,
            prefetch=BATCH,
        )
        async for record in cursor:
            yield ChangeRow.from_record(record)


async def chain_head(conn: asyncpg.Connection, chain: str) -> tuple[int, str] | None:
    """A chain's last (sequence, hash), for a packet or a verification run to quote."""
    row = await conn.fetchrow(
        "SELECT sequence, hash FROM change_log WHERE chain = $1 ORDER BY sequence DESC LIMIT 1",
        chain,
    )
    return (row["sequence"], row["hash"]) if row else None
