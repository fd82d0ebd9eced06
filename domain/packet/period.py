"""The period a packet covers: whole local days of the licence, as instants (pure rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Records are kept for years; a packet spanning more than three is two packets.
MAX_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` (inclusive) at a licence in ``timezone``, as the half-open
    instants ``start``..``end``."""

    first: date
    last: date
    timezone: str
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def refusal(first: date, last: date, today: date) -> str | None:
    """Why ``first``..``last`` is not a period a packet can cover (None: it is)."""
    if first < EARLIEST:
        return f"from must be on or after {EARLIEST.isoformat()}"
    if last < first:
        return "to must be on or after from"
    if first > today:
        return "the period has not started yet"
    if last > today:
        return "to may be today at the latest: the days after have no records yet"
    if (last - first).days + 1 > MAX_DAYS:
        return f"a packet covers at most {MAX_DAYS} days"
    return None


def period(first: date, last: date, timezone: str, now: datetime) -> Period:
    """The instants of ``first``..``last``; a period reaching today ends at ``now``, so what a
    packet holds never changes after it is built."""
    tz = ZoneInfo(timezone)
    end = min(midnight(last + timedelta(days=1), tz), now)
    # Whole microseconds on the UTC clock: the period is a key, compared exactly.
    return Period(first, last, timezone, midnight(first, tz), end)


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()
