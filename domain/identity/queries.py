"""Read models for users (names shown next to every movement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain import db


async def users_by_ids(ids: Sequence[int]) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, operator AS operator_id, email, name, active FROM app_user"
            " WHERE id = ANY($1::int[])",
            list(ids),
        )
    return [dict(r) for r in rows]
