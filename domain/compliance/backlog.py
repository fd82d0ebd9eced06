"""The state-report backlog of every licence at once, for the operator's metrics."""

from __future__ import annotations

from dataclasses import dataclass

from domain import db


@dataclass(frozen=True)
class Backlog:
    location_id: int
    system: str
    pending: int
    failed: int
    oldest_pending_seconds: float  # 0 when nothing is pending


async def backlogs() -> list[Backlog]:
    """Per location: reports not yet at the state (pending, sending, held), failed ones, and
    how long the oldest unsent one has waited. One statement over the outbox's open rows."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT l.id, l.state_system,
                   count(r.id) FILTER (WHERE r.status IN ('pending', 'sending', 'held'))
                       AS pending,
                   count(r.id) FILTER (WHERE r.status = 'failed') AS failed,
                   coalesce(extract(epoch FROM now() - min(r.occurred_at)
                       FILTER (WHERE r.status IN ('pending', 'sending', 'held'))), 0)
                       AS oldest
            FROM location l
            LEFT JOIN state_report r ON r.location = l.id
                 AND r.status IN ('pending', 'sending', 'failed', 'held')
            GROUP BY l.id
            ORDER BY l.id
            """
        )
    return [Backlog(r[0], r[1], r[2], r[3], float(r[4])) for r in rows]
