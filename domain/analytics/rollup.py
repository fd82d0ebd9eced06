"""Keeping the analytics roll-ups: whole (location, local day) buckets recomputed from the ledger.

Why a worker and not the ledger's transaction: a sale already does the most work a write may
do (locks, balances, hash chain, outbox); adding upserts of per-product daily rows would lengthen
it, and would make every sale at a store contend on the same day's rows. Instead each committed
movement kicks ``roll_up`` for its location (one job per location per minute), which recomputes
every day a new movement touched, plus today, then the months holding them, then the closing
stock from the first such day to today.

Why whole days: a bucket is deleted and re-summed from the movements, never incremented, so
running twice writes the same rows, and a movement that commits late (its id below one a run
already read) is still counted: today is recomputed by every run, and a late movement for an
earlier day (posted backdated while a run read past its id) is found by the nightly sweep, which
reads every movement after the id the previous sweep reached. ``rebuild`` recomputes everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.analytics import rollup_sql as sql
from domain.unit_of_work import UnitOfWork, UnitOfWorkFactory


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, in order (pure)."""
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def month_of(day: date) -> date:
    return day.replace(day=1)


async def recompute(
    uow: UnitOfWork, location_id: int, tz: ZoneInfo, days: Iterable[date], today: date
) -> int:
    """Rewrite ``days`` (and their months, and the closing stock from the first to ``today``)
    inside ``uow``'s transaction; returns how many days were rewritten."""
    conn = uow.conn
    chosen = sorted({d for d in days if d <= today})
    if not chosen:
        return 0
    batches: set[int] = set()
    for first, last in runs(chosen):
        # Batches that had flows on these days before, or have now, get their life re-summed.
        batches.update(
            r["batch"] for r in await conn.fetch(sql.BATCHES_ON, location_id, first, last)
        )
        await conn.execute(
            "DELETE FROM analytics_day WHERE location = $1 AND day >= $2 AND day <= $3",
            location_id,
            first,
            last,
        )
        await conn.execute(
            sql.DAYS,
            location_id,
            midnight(first, tz),
            midnight(last + timedelta(days=1), tz),
            tz.key,
        )
        batches.update(
            r["batch"] for r in await conn.fetch(sql.BATCHES_ON, location_id, first, last)
        )
    await conn.execute(
        "DELETE FROM analytics_batch WHERE location = $1 AND batch = ANY($2::int[])",
        location_id,
        sorted(batches),
    )
    await conn.execute(sql.BATCHES, location_id, sorted(batches))
    months = sorted({month_of(d) for d in chosen})
    await conn.execute(
        "DELETE FROM analytics_month WHERE location = $1 AND month = ANY($2::date[])",
        location_id,
        months,
    )
    await conn.execute(sql.MONTHS, location_id, months)
    await conn.execute(
        "DELETE FROM analytics_stock_day WHERE location = $1 AND day >= $2", location_id, chosen[0]
    )
    await conn.execute(sql.STOCK, location_id, chosen[0], today)
    return len(chosen)


async def roll_up(
    units: UnitOfWorkFactory,
    location_id: int,
    *,
    sweep: bool = False,
    rebuild: bool = False,
    now: datetime | None = None,
) -> int:
    """Recompute the location's days touched by movements after the last run's (``sweep``: the
    last sweep's) highest movement id, and today; ``rebuild``: every day since the first
    movement. Returns how many days were rewritten. Safe to run twice, or concurrently (runs
    for a location take turns on an advisory lock)."""
    async with units() as uow:
        conn = uow.conn
        await conn.execute("SET LOCAL jit = off")  # see domain.diversion.evaluate._no_jit
        await conn.execute("SELECT pg_advisory_xact_lock(1507, $1)", location_id)
        row = await conn.fetchrow(
            "SELECT l.timezone, r.seen_movement, r.swept_movement FROM location l"
            " LEFT JOIN analytics_rollup r ON r.location = l.id WHERE l.id = $1",
            location_id,
        )
        if row is None:
            return 0
        tz = ZoneInfo(row["timezone"])
        moment = now or datetime.now(UTC)
        today = moment.astimezone(tz).date()
        since = 0 if rebuild else (row["swept_movement"] if sweep else row["seen_movement"]) or 0
        found = await conn.fetchrow(sql.NEW_DAYS, location_id, since)
        assert found is not None  # an aggregate always answers one row
        days = set(found["days"] or [])
        last = found["last"] or since
        if rebuild and days:
            first = min(days)
            days = {first + timedelta(days=n) for n in range((today - first).days + 1)}
        days.add(today)
        if sweep:
            days.add(today - timedelta(days=1))
        written = await recompute(uow, location_id, tz, days, today)
        seen = max(last, row["seen_movement"] or 0)
        swept = last if sweep or rebuild else (row["swept_movement"] or 0)
        await conn.execute(
            "INSERT INTO analytics_rollup (location, seen_movement, swept_movement, rolled_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (location) DO UPDATE SET"
            " seen_movement = EXCLUDED.seen_movement, swept_movement = EXCLUDED.swept_movement,"
            " rolled_at = EXCLUDED.rolled_at",
            location_id,
            seen,
            swept,
            moment,
        )
        return written


async def locations(units: UnitOfWorkFactory) -> list[int]:
    async with units() as uow:
        return [r["id"] for r in await uow.conn.fetch("SELECT id FROM location ORDER BY id")]
