"""The CCRS reporting week: which ledger events go in which weekly upload, and when it is due.

Why this module exists: the state defines the week as "Sunday - Saturday", with reports "expected
by no later than Sunday for the previous week" (CCRS FAQ, https://lcb.wa.gov/ccrs/faq, "Data
Reporting") [s]. Which week a sale belongs to depends on the store's wall clock, not on UTC, and
a week that contains a daylight-saving change is 167 or 169 hours long; getting either wrong puts
Saturday-night sales in the wrong file. Everything here works on aware datetimes in the store's
IANA time zone (every WA store is on America/Los_Angeles, but the zone is a parameter, not an
assumption).

Use the half-open interval ``[starts_at, ends_before)`` to select ledger events: ``ends_at`` is
Saturday 23:59:59 for display, and an event at 23:59:59.5 is still in the week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACIFIC = "America/Los_Angeles"
_LAST_SECOND = time(23, 59, 59)


@dataclass(frozen=True)
class Week:
    """One reporting week in one store's time zone. All datetimes are aware, in that zone."""

    timezone: str
    start: date  # the Sunday
    end: date  # the Saturday
    due: date  # the following Sunday, the last day to upload this week's files
    starts_at: datetime  # Sunday 00:00:00 local
    ends_at: datetime  # Saturday 23:59:59 local (for display)
    ends_before: datetime  # the following Sunday 00:00:00 local (exclusive bound for queries)
    due_by: datetime  # the due Sunday 23:59:59 local

    def contains(self, at: datetime) -> bool:
        """Whether the instant ``at`` (aware) falls in this week."""
        # Compare in UTC: Python compares datetimes sharing a tzinfo by wall clock alone.
        instant = _aware(at).astimezone(UTC)
        return self.starts_at.astimezone(UTC) <= instant < self.ends_before.astimezone(UTC)

    @property
    def length(self) -> timedelta:
        """Elapsed time, not wall-clock time: 167 h or 169 h in a daylight-saving change week."""
        return self.ends_before.astimezone(UTC) - self.starts_at.astimezone(UTC)

    def next(self) -> Week:
        return week_of(self.start + timedelta(days=7), self.timezone)

    def previous(self) -> Week:
        return week_of(self.start - timedelta(days=7), self.timezone)


def reporting_week(store_timezone: str, at: datetime) -> Week:
    """The reporting week containing the instant ``at`` (aware), on the store's wall clock."""
    zone = _zone(store_timezone)
    return week_of(_aware(at).astimezone(zone).date(), store_timezone)


def week_of(day: date, store_timezone: str = PACIFIC) -> Week:
    """The reporting week containing the local calendar day ``day``."""
    if isinstance(day, datetime):
        raise TypeError("week_of takes a date; use reporting_week for an instant")
    zone = _zone(store_timezone)
    start = day - timedelta(days=(day.weekday() + 1) % 7)  # Monday is 0, Sunday is 6
    end = start + timedelta(days=6)
    due = start + timedelta(days=7)
    # US clocks change at 02:00, so local midnight and 23:59:59 always exist exactly once.
    return Week(
        timezone=store_timezone,
        start=start,
        end=end,
        due=due,
        starts_at=datetime.combine(start, time.min, tzinfo=zone),
        ends_at=datetime.combine(end, _LAST_SECOND, tzinfo=zone),
        ends_before=datetime.combine(due, time.min, tzinfo=zone),
        due_by=datetime.combine(due, _LAST_SECOND, tzinfo=zone),
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("an aware datetime (with a time zone) is required")
    return at
