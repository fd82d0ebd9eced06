"""Read models for users (names shown next to every movement)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain import db


@dataclass(frozen=True)
class UserRow:
    """A person as others see them: never their password or token version."""

    id: int
    operator_id: int
    email: str
    name: str
    active: bool


async def users_by_ids(ids: Sequence[int]) -> list[UserRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, operator AS operator_id, email, name, active FROM app_user"
            " WHERE id = ANY($1::int[])",
            list(ids),
        )
    return [UserRow(**dict(r)) for r in rows]
