"""Writing the change log: one row per change, chained onto its chain's head under a lock.

``record`` joins the caller's transaction (the unit of work of the service making the change),
so the row commits, or rolls back, with the change itself: a refused service writes none.
Sign-ins and permission denials have no change to join; ``record_apart`` writes them in a short
transaction of their own, so a refused mutation's rollback does not take its denial with it.

The cost per audited change: ``pg_advisory_xact_lock`` on the chain (held to commit, so two
writers of one location's chain take turns and never fork it; the unique (chain, sequence) is
the database's backstop), one index lookup of the chain's head and one INSERT.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg

from domain import db
from domain.changelog.model import CHAINED_FIELDS, GENESIS, Actor, chain_of, diff, row_hash
from domain.identity.principal import Principal
from domain.rows import returned
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """The row just written (its id and hash: a packet quotes the hash of its own record)."""

    id: int
    chain: str
    sequence: int
    hash: str


async def record(
    conn: asyncpg.Connection,
    actor: Actor,
    operation: str,
    entity_type: str,
    entity_id: int | str | None,
    *,
    location_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> Recorded:
    """Append one row: ``operation`` on ``entity_type`` ``entity_id`` by ``actor``.

    ``before``/``after`` are the entity's fields before and after (a created entity has no
    ``before``); only the fields that differ are kept, secrets redacted (``model.diff``). Call
    it inside the change's transaction, after the change, so the chain's lock is held briefly.
    """
    chain = chain_of(location_id, actor.operator_id)
    changed_before, changed_after = diff(before, after)
    # Serialise the chain's writers until commit; READ COMMITTED then shows the next statement
    # the head the previous writer committed.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('change_log'), hashtext($1))", chain)
    head = await conn.fetchrow(
        "SELECT sequence, hash FROM change_log WHERE chain = $1 ORDER BY sequence DESC LIMIT 1",
        chain,
    )
    sequence = head["sequence"] + 1 if head else 1
    prev_hash = head["hash"] if head else GENESIS
    row: dict[str, Any] = {
        "chain": chain,
        "sequence": sequence,
        "operator_id": actor.operator_id,
        "location_id": location_id,
        "actor_kind": str(actor.kind),
        "user_id": actor.user_id,
        "api_key_id": actor.api_key_id,
        "client": actor.client[:200] if actor.client else None,
        "occurred_at": datetime.now(UTC),
        "operation": operation,
        "entity_type": entity_type,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": changed_before or None,
        "after": changed_after or None,
    }
    digest = row_hash(prev_hash, row)
    row_id = await conn.fetchval(
        "INSERT INTO change_log (chain, sequence, operator, location, actor_kind, user_id,"
        " api_key_id, client, occurred_at, operation, entity_type, entity_id, before, after,"
        " prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
        " $14, $15, $16) RETURNING id",
        *(row[name] for name in _INSERT_ORDER),
        prev_hash,
        digest,
    )
    return Recorded(returned(row_id, "change log id"), chain, sequence, digest)


# The INSERT names its columns in the order the hash covers the fields.
_INSERT_ORDER = CHAINED_FIELDS


async def change(
    uow: UnitOfWork,
    principal: Principal,
    operation: str,
    entity_type: str,
    entity_id: int | str | None,
    *,
    location_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> Recorded:
    """``record`` for a service: the principal's change, in the unit's transaction."""
    if not uow.is_open:
        raise RuntimeError("a change is logged inside the unit of work that makes it")
    return await record(
        uow.conn,
        Actor.of(principal),
        operation,
        entity_type,
        entity_id,
        location_id=location_id,
        before=before,
        after=after,
    )


async def record_apart(
    actor: Actor,
    operation: str,
    entity_type: str,
    entity_id: int | str | None,
    *,
    location_id: int | None = None,
    after: Mapping[str, Any] | None = None,
) -> Recorded:
    """``record`` in a short transaction of its own, on a connection of its own (never the
    caller's transaction, which may be rolling back): sign-ins and denials."""
    if db.DB.pool is None:
        raise RuntimeError("database pool is not started")
    async with db.DB.pool.acquire() as pooled, pooled.transaction():
        conn = cast(asyncpg.Connection, pooled)  # a PoolConnectionProxy forwards every method
        return await record(
            conn, actor, operation, entity_type, entity_id, location_id=location_id, after=after
        )


async def fields(
    conn: asyncpg.Connection,
    table: str,
    entity_id: int,
    columns: Sequence[str],
    *,
    key: str = "id",
    lock: bool = False,
) -> dict[str, Any] | None:
    """One row's ``columns`` as a dict (the before or after of a change), or None if absent.

    ``table``, ``columns`` and ``key`` are the calling service's own constants, never input.
    """
    row = await conn.fetchrow(
        f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = $1"
        + (" FOR UPDATE" if lock else ""),
        entity_id,
    )
    return dict(row) if row is not None else None


async def denied(principal: Principal, operation: str, action: str, detail: str) -> None:
    """Log that ``principal`` was refused ``operation`` (a permission denial), in a transaction
    of its own: the refused operation's rollback wrote nothing, and this row survives it.

    The operator's chain: the refusal names a capability, not always a location. A failure to
    log is itself logged and swallowed: the caller is answered with the refusal either way.
    """
    try:
        await record_apart(
            Actor.of(principal),
            "permissionDenied",
            "operation",
            operation,
            after={"action": action, "detail": detail},
        )
    except Exception:
        log.exception("could not log the denial of %s to user %s", operation, principal.user_id)
