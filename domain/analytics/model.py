"""The analytics figures as plain rules (no I/O): periods, ratios, aging buckets, and which
licences may move stock between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal(0)
RATIO = Decimal("0.0001")
MONEY = Decimal("0.01")
QUANTITY = Decimal("0.001")
# Aging buckets: days since the package was received (upper bounds, inclusive; None: above).
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("90+", None),
)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator`` to 4 places; None when the denominator is not positive."""
    return None if denominator <= 0 else (numerator / denominator).quantize(RATIO)


def money(value: Decimal) -> Decimal:
    return value.quantize(MONEY)


def quantity(value: Decimal) -> Decimal:
    return value.quantize(QUANTITY)


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last`` (inclusive), split into the whole calendar months inside
    it (read from the monthly roll-up) and the days at either edge (read from the daily one)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def months(self) -> tuple[date, date]:
        """[start, end) of the whole months inside the period (start == end: none)."""
        start = self.first if self.first.day == 1 else _next_month(self.first)
        end = _month(self.last + timedelta(days=1))
        return (start, end) if start < end else (start, start)

    def reads(self, today: date) -> tuple[date, date]:
        """[start, end) of the months to read from the monthly roll-up: the whole months, and
        an edge month too when fewer of its days lie outside the period than inside (those
        are then subtracted, day by day; days after ``today`` have no rows to subtract)."""
        start, end = self.months
        if start == end:
            return start, start
        if self.first.day != 1:
            inside = (start - self.first).days
            if (self.first - _month(self.first)).days < inside:
                start = _month(self.first)
        if end <= self.last:
            inside = (self.last - end).days + 1
            outside = (_next_month(end) - self.last).days - 1
            if min(outside, max(0, (today - self.last).days)) < inside:
                end = _next_month(end)
        return start, end


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def aging_bucket(age_days: int) -> str:
    """The bucket of a package received ``age_days`` ago (0-30, 31-60, 61-90, 90+)."""
    for label, upper in AGING_BUCKETS:
        if upper is None or age_days <= upper:
            return label
    raise AssertionError("the last bucket is open")


@dataclass(frozen=True)
class Licence:
    location_id: int
    operator_id: int
    state: str


def may_transfer(source: Licence, target: Licence) -> str | None:
    """Why stock may not move from ``source`` to ``target`` (None: it may).

    Between two licences of the same operator in the same state it is a manifested transfer
    the state's track-and-trace records; across a state line cannabis may not travel at all
    (federal law), and to another operator's licence it is a sale, not a move of our stock.
    """
    if source.location_id == target.location_id:
        return "the same licence"
    if source.state != target.state:
        return "another state: cannabis may not cross state lines"
    if source.operator_id != target.operator_id:
        return "another operator: that is a wholesale sale, not a transfer"
    return None


def movable_pairs(licences: Sequence[Licence]) -> list[tuple[int, int]]:
    """Every (from, to) pair of ``licences`` stock may move between, in id order."""
    ordered = sorted(licences, key=lambda x: x.location_id)
    return [
        (a.location_id, b.location_id)
        for a in ordered
        for b in ordered
        if may_transfer(a, b) is None
    ]
