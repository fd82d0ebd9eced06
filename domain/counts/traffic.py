"""Low-traffic hours: when a count disturbs the fewest sales (pure).

The store keeps selling during a count (sales are netted), but every sale of a counted package
between two scans is a line to recount, and staff counting are staff not selling. So the plan
suggests, for each day of the week, the hour that saw the fewest sales over the ABC window,
in the location's own time zone (the caller groups sales by local ISO weekday and hour).

Only hours the store trades in are candidates: an hour with no sale at all over the window is
taken as closed (suggesting 3 a.m. is no help), so a day without sales has no suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class TrafficSlot:
    """One hour of the week: ``weekday`` 1 (Monday) to 7, ``hour`` 0 to 23, local time."""

    weekday: int
    hour: int
    sales: int
    sales_per_week: Decimal

    @property
    def day_name(self) -> str:
        return WEEKDAYS[self.weekday - 1]


def quiet_hours(sales_by_slot: Mapping[tuple[int, int], int], weeks: Decimal) -> list[TrafficSlot]:
    """Each trading day's quietest trading hour, quietest first (ties: the earlier in the week).

    ``sales_by_slot`` maps (ISO weekday, hour) to the number of sales in that hour over a window
    of ``weeks`` weeks.
    """
    if weeks <= 0:
        raise ValueError("the window must be longer than zero weeks")
    quietest: dict[int, tuple[int, int]] = {}
    for (weekday, hour), sales in sorted(sales_by_slot.items()):
        if not (1 <= weekday <= 7 and 0 <= hour <= 23):
            raise ValueError(f"no such hour of the week: day {weekday}, hour {hour}")
        if sales <= 0:
            continue
        best = quietest.get(weekday)
        if best is None or sales < best[1]:
            quietest[weekday] = (hour, sales)
    slots = [
        TrafficSlot(day, hour, sales, (Decimal(sales) / weeks).quantize(Decimal("0.01")))
        for day, (hour, sales) in quietest.items()
    ]
    return sorted(slots, key=lambda s: (s.sales, s.weekday, s.hour))
