"""Rolling a location's finished days up into ``shrinkage_day``, so a year's report reads a few
thousand rows rather than half a million movements.

Why it is shaped like this: the roll-up is derived, never edited. Each run recomputes whole local
days from the ledger (delete, then insert the day's sums) in one transaction, starting
``RECHECK_DAYS`` before the day it had reached: a movement committed late, or posted with an
earlier time the same day, is counted on the next run. The report reads the ledger for every day
not rolled up yet, so it is never behind the books. A movement backdated by more than
``RECHECK_DAYS`` is only counted by ``roll_up(..., rebuild=True)``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.shrinkage import report_sql as sql
from domain.unit_of_work import UnitOfWorkFactory

RECHECK_DAYS = 2


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


async def roll_up(
    units: UnitOfWorkFactory,
    location_id: int,
    *,
    now: datetime | None = None,
    rebuild: bool = False,
) -> int:
    """Roll up the location's days before today (local); returns how many days were written."""
    async with units() as uow:
        conn = uow.conn
        await conn.execute("SET LOCAL jit = off")  # see domain.diversion.evaluate._no_jit
        # Serialises runs for a location: the second waits, then finds the work done.
        await conn.execute("SELECT pg_advisory_xact_lock(913, $1)", location_id)
        row = await conn.fetchrow(
            "SELECT l.timezone, r.through,"
            " (SELECT min(occurred_at) FROM movement m WHERE m.location = l.id) AS opened"
            " FROM location l LEFT JOIN shrinkage_rollup r ON r.location = l.id WHERE l.id = $1",
            location_id,
        )
        if row is None or row["opened"] is None:
            return 0
        tz = ZoneInfo(row["timezone"])
        today = (now or datetime.now(UTC)).astimezone(tz).date()
        opened = row["opened"].astimezone(tz).date()
        through = row["through"]
        first = opened if rebuild or through is None else through - timedelta(days=RECHECK_DAYS)
        first = max(first, opened)
        if first >= today:
            return 0
        await conn.execute(
            "DELETE FROM shrinkage_day WHERE location = $1 AND day >= $2 AND day < $3",
            location_id,
            first,
            today,
        )
        await conn.execute(
            sql.ROLL_UP, location_id, midnight(first, tz), midnight(today, tz), tz.key
        )
        await conn.execute(
            "INSERT INTO shrinkage_rollup (location, through) VALUES ($1, $2)"
            " ON CONFLICT (location) DO UPDATE SET through = EXCLUDED.through",
            location_id,
            today,
        )
        return (today - first).days
