"""Sessions left open past the location's limit expire (a sweep job, and lazily on access)."""

from __future__ import annotations

from collections.abc import Sequence

from domain.counts.model import SessionStatus
from domain.events import CountUpdated
from domain.unit_of_work import UnitOfWork


async def expire(uow: UnitOfWork, session_ids: Sequence[int] | None = None) -> int:
    """Expire the open sessions past their limit (only ``session_ids`` when given), in their own
    transaction. Safe to run twice: an expired session is no longer open."""
    async with uow:
        rows = await uow.conn.fetch(
            "UPDATE count_session SET status = 'expired', updated_at = now()"
            " WHERE status = ANY($1::text[]) AND expires_at <= now()"
            " AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[]))"
            " RETURNING id, location",
            [str(SessionStatus.OPEN), str(SessionStatus.RECOUNT_REQUIRED)],
            list(session_ids) if session_ids is not None else None,
        )
        for row in rows:
            uow.record(
                CountUpdated(location_id=row["location"], session_id=row["id"], status="expired")
            )
    return len(rows)
