"""Count accuracy: the share of packages counted without variance, by zone and by counter,
period by period. It tells a manager which zone's books drift and which counter needs help.

Only approved counts are history: an open or rejected count proves nothing. A package's line
in an approved count is its final one (a rescan or a recount supersedes the earlier line), and
findings (tags the zone should not hold) are not counts of our books, so they are left out.
The periods are weeks (Monday first) or calendar months in the location's time zone, dated by
the approval.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from domain import db
from domain.errors import NotFound


class AccuracyPeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"


MAX_PERIODS = 52


def share(exact: int, counted: int) -> Decimal | None:
    """``exact`` of ``counted`` as a fraction to 4 places (None: nothing was counted)."""
    if counted <= 0:
        return None
    return (Decimal(exact) / Decimal(counted)).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)


@dataclass(frozen=True)
class AccuracyTally:
    """One zone's or one counter's packages counted in a period, and how many were exact."""

    key_id: int
    name: str
    counted: int
    exact: int

    @property
    def share(self) -> Decimal | None:
        return share(self.exact, self.counted)


@dataclass(frozen=True)
class AccuracyPeriodRow:
    starts_on: date
    counted: int
    exact: int
    by_zone: tuple[AccuracyTally, ...]
    by_counter: tuple[AccuracyTally, ...]

    @property
    def share(self) -> Decimal | None:
        return share(self.exact, self.counted)


# $2 is the period ('week' or 'month'), $3 how many periods back from the current one.
_LINES = """
WITH loc AS (
    SELECT id, timezone,
           date_trunc($2, now() AT TIME ZONE timezone) - ($3 - 1) * ('1 ' || $2)::interval
               AS first_start
    FROM location WHERE id = $1
), lines AS (
    SELECT date_trunc($2, s.decided_at AT TIME ZONE loc.timezone)::date AS starts_on,
           l.zone, l.counter, (l.variance = 0) AS exact
    FROM loc
    JOIN count_session s ON s.location = loc.id AND s.status = 'approved'
         AND s.decided_at AT TIME ZONE loc.timezone >= loc.first_start
    JOIN count_line l ON l.session = s.id
    WHERE NOT l.superseded AND l.finding IS NULL AND l.package IS NOT NULL
          AND l.variance IS NOT NULL AND l.zone IS NOT NULL
)
SELECT 'zone' AS side, starts_on, lines.zone AS key_id, z.name, count(*)::int AS counted,
       count(*) FILTER (WHERE exact)::int AS exact
FROM lines JOIN zone z ON z.id = lines.zone
GROUP BY starts_on, lines.zone, z.name
UNION ALL
SELECT 'counter', starts_on, lines.counter, u.name, count(*)::int,
       count(*) FILTER (WHERE exact)::int
FROM lines JOIN app_user u ON u.id = lines.counter
GROUP BY starts_on, lines.counter, u.name
ORDER BY starts_on DESC, side, name, key_id
"""


async def count_accuracy(
    location_id: int, period: AccuracyPeriod = AccuracyPeriod.WEEK, periods: int = 12
) -> tuple[AccuracyPeriodRow, ...]:
    """The last ``periods`` weeks or months that had approved counts, newest first."""
    if not 1 <= periods <= MAX_PERIODS:
        raise ValueError(f"periods must be 1 to {MAX_PERIODS}")
    async with db.connection() as conn:
        if await conn.fetchval("SELECT 1 FROM location WHERE id = $1", location_id) is None:
            raise NotFound("location", str(location_id))
        rows = await conn.fetch(_LINES, location_id, AccuracyPeriod(period).value, periods)
    zones: dict[date, list[AccuracyTally]] = {}
    counters: dict[date, list[AccuracyTally]] = {}
    for r in rows:
        tally = AccuracyTally(r["key_id"], r["name"], r["counted"], r["exact"])
        (zones if r["side"] == "zone" else counters).setdefault(r["starts_on"], []).append(tally)
    return tuple(
        AccuracyPeriodRow(
            starts_on=day,
            counted=sum(t.counted for t in zones[day]),
            exact=sum(t.exact for t in zones[day]),
            by_zone=tuple(zones[day]),
            by_counter=tuple(counters.get(day, [])),
        )
        for day in sorted(zones, reverse=True)
    )
