"""Reading the change log in tests as an auditor would: the rows a step wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import db


@dataclass(frozen=True)
class Expect:
    """What an audited mutation should have logged (before/after None: not checked)."""

    operation: str
    entity_type: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    # True: the location's chain; False: the operator's (catalogue, users...).
    located: bool = True


async def last_id() -> int:
    async with db.connection() as conn:
        return int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM change_log") or 0)


async def rows_since(after_id: int) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, chain, sequence, operator, location, actor_kind, user_id, api_key_id,"
            " client, operation, entity_type, entity_id, before, after"
            " FROM change_log WHERE id > $1 ORDER BY id",
            after_id,
        )
    return [dict(r) for r in rows]
