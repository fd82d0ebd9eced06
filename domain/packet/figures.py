"""How the summary writes numbers: fixed places, so a figure in the PDF reads back exactly."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

QUANTITY = Decimal("0.001")
MONEY = Decimal("0.01")


def qty(value: Decimal) -> str:
    return str(value.quantize(QUANTITY, ROUND_HALF_EVEN))


def money(value: Decimal) -> str:
    return str(value.quantize(MONEY, ROUND_HALF_EVEN))


def share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage to one place ("n/a" when nothing was counted)."""
    if whole <= 0:
        return "n/a"
    return f"{(Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.1'))}%"


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
