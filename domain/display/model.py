"""What the floor display shows, as plain rules: no I/O.

A customer-facing screen must never advertise what cannot be sold: a product whose floor stock
is gone shows as sold out (while the store still carries it), one at or under its low-stock
threshold is marked, and stock near its expiry date is flagged, or hidden when the location
prefers its customers not to see it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.catalog.model import Category
from domain.quantities import Unit

MAX_EXPIRING_DAYS = 365


class ExpiringMode(enum.StrEnum):
    FLAG = "flag"
    HIDE = "hide"


@dataclass(frozen=True)
class DisplaySettings:
    expiring_days: int = 14
    expiring_mode: ExpiringMode = ExpiringMode.FLAG


@dataclass(frozen=True)
class FloorLine:
    """One product as the ledger holds it at the location (floor and elsewhere)."""

    product_id: int
    name: str
    brand: str | None
    category: Category
    unit: Unit
    price: Decimal
    floor_quantity: Decimal
    # The same product's floor stock that is not expiring soon (the rest may be hidden).
    floor_expiring_quantity: Decimal
    low_stock_threshold: Decimal | None
    soonest_expiry: date | None  # of the stock on the floor


@dataclass(frozen=True)
class BoardItem:
    line: FloorLine
    quantity: Decimal  # what the display shows (expiring stock left out when hidden)
    low_stock: bool
    sold_out: bool
    expiring_soon: bool


def board(lines: Iterable[FloorLine], settings: DisplaySettings, today: date) -> list[BoardItem]:
    """The display's items, by category then name."""
    horizon = today + timedelta(days=settings.expiring_days)
    items = []
    for line in lines:
        expiring = line.soonest_expiry is not None and line.soonest_expiry <= horizon
        quantity = line.floor_quantity
        if settings.expiring_mode == ExpiringMode.HIDE:
            quantity -= line.floor_expiring_quantity
            expiring = False
        sold_out = quantity <= 0
        low = (
            not sold_out
            and line.low_stock_threshold is not None
            and quantity <= line.low_stock_threshold
        )
        items.append(BoardItem(replace(line), max(quantity, Decimal(0)), low, sold_out, expiring))
    return sorted(items, key=lambda i: (i.line.category.value, i.line.name.lower()))


def settings_refusal(
    expiring_days: int | None, expiring_mode: str | None
) -> tuple[str, str] | None:
    """(field, reason) when the settings cannot be stored."""
    if expiring_days is not None and (
        isinstance(expiring_days, bool) or not 0 <= expiring_days <= MAX_EXPIRING_DAYS
    ):
        return "expiringDays", f"must be between 0 and {MAX_EXPIRING_DAYS}"
    if expiring_mode is not None and expiring_mode not in set(ExpiringMode):
        return "expiringMode", "must be flag or hide"
    return None
