"""Which local days an export covers, read from its query parameters (pure).

A bookkeeper asks for a month (``month=2026-11``) or a range of days (``from=…&to=…``, both
included); the valuation is of one day's close (``date=2026-11-30``, or ``month=`` for the
month's last day). Days are the location's local days: the SQL turns them into instants with the
location's timezone, so "the 30th" ends at the store's midnight, not UTC's.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from domain.errors import ValidationError

# Days outside these hold no movements; a range is at most about a year (a yearly export is
# twelve monthly ones, and the cap keeps one request's work bounded).
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
MAX_DAYS = 400
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def label(self) -> str:
        """For file names: ``2026-11`` for a whole month, else ``2026-11-03_2026-11-09``."""
        if self.first.day == 1 and self.last == _month_end(self.first):
            return self.first.strftime("%Y-%m")
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _month(value: str) -> Period:
    found = _MONTH.fullmatch(value.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise ValidationError("month", "give a month as YYYY-MM")
    first = date(int(found.group(1)), int(found.group(2)), 1)
    return _bounded(Period(first, _month_end(first)), "month")


def _day(value: str, field: str) -> date:
    text = value.strip()
    if _DAY.fullmatch(text) is None:
        raise ValidationError(field, "give a day as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{text} is not a day") from None


def _bounded(period: Period, field: str) -> Period:
    if not EARLIEST <= period.first <= period.last <= LATEST:
        raise ValidationError(field, f"days between {EARLIEST} and {LATEST}, from before to")
    if period.last - period.first >= timedelta(days=MAX_DAYS):
        raise ValidationError(field, f"at most {MAX_DAYS} days at once")
    return period


def period_from(params: Mapping[str, str]) -> Period:
    """``month=YYYY-MM``, or ``from=YYYY-MM-DD`` and ``to=YYYY-MM-DD`` (both included)."""
    month, first, last = params.get("month"), params.get("from"), params.get("to")
    if month is not None:
        if first is not None or last is not None:
            raise ValidationError("month", "give a month or from/to, not both")
        return _month(month)
    if first is None or last is None:
        raise ValidationError("from", "give month=YYYY-MM, or from=YYYY-MM-DD and to=YYYY-MM-DD")
    return _bounded(Period(_day(first, "from"), _day(last, "to")), "to")


def as_of_from(params: Mapping[str, str]) -> Period:
    """The one day whose close a valuation shows: ``date=YYYY-MM-DD``, or ``month=YYYY-MM`` for
    the month's last day (``to=`` is read as ``date=``, so a month's links work for all four)."""
    day, month = params.get("date") or params.get("to"), params.get("month")
    if day is not None and month is not None:
        raise ValidationError("date", "give a date or a month, not both")
    if month is not None:
        last = _month(month).last
        return Period(last, last)
    if day is None:
        raise ValidationError("date", "give date=YYYY-MM-DD (or month=YYYY-MM for its last day)")
    found = _day(day, "date")
    return _bounded(Period(found, found), "date")
