"""Quantities and units: the one place a number from outside becomes a ledger quantity.

Quantities are Decimal with at most three places (a milligram of flower, a thousandth of an
each). Anything else (floats, NaN, infinities, over-precise or absurd values) is refused here, so
the ledger never rounds silently.
"""

from __future__ import annotations

import enum
from decimal import Decimal

from domain.errors import InvalidQuantity, UnitMismatch
from domain.numbers import DecimalRefused, Problem, parse_decimal, to_decimal

PLACES = 3
# One movement of more than a tonne of flower (or a million units) is a typo, not a shipment.
MAX_QUANTITY = Decimal(1_000_000)


class Unit(enum.StrEnum):
    GRAMS = "grams"
    MILLIGRAMS = "milligrams"
    EACH = "each"


_QUANTITY_PROBLEMS = {
    Problem.FLOAT: "must be a decimal string or integer, not a float",
    Problem.NOT_FINITE: "must be a finite number",
    Problem.NEGATIVE: "must be greater than zero",
    Problem.ZERO: "must be greater than zero",
    Problem.TOO_LARGE: f"must not exceed {MAX_QUANTITY}",
    Problem.TOO_PRECISE: f"at most {PLACES} decimal places",
}


def _refusal(field: str, refused: DecimalRefused) -> InvalidQuantity:
    if refused.problem is Problem.NOT_A_NUMBER:
        return InvalidQuantity(field, f"{refused.value!r} is not a number")
    return InvalidQuantity(field, _QUANTITY_PROBLEMS[refused.problem])


def parse_quantity(value: object, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """Validate ``value`` as a positive ledger quantity and return it normalised to 3 places."""
    try:
        return parse_decimal(
            value, places=PLACES, maximum=MAX_QUANTITY, allow_zero=allow_zero, quantize=True
        )
    except DecimalRefused as refused:
        raise _refusal(field, refused) from None


def parse_signed_quantity(value: object, *, field: str = "quantity") -> Decimal:
    """A non-zero delta (adjustments and counts may go either way)."""
    if isinstance(value, bool):  # read as text, ``True`` is not a number
        raise InvalidQuantity(field, f"{value!r} is not a number")
    try:
        raw = to_decimal(value)
    except DecimalRefused as refused:
        raise _refusal(field, refused) from None
    if raw.is_finite() and raw < 0:
        return -parse_quantity(-raw, field=field)
    return parse_quantity(raw, field=field)


def require_unit(package_unit: str, given: str | None) -> None:
    """Refuse a quantity stated in a unit other than the package's (no silent conversion)."""
    if given is not None and str(given) != str(package_unit):
        raise UnitMismatch(expected=str(package_unit), given=str(given))


def display(quantity: Decimal) -> str:
    """``Decimal('5.000')`` → ``'5'``, ``Decimal('1.250')`` → ``'1.25'``."""
    normal = quantity.normalize()
    return format(normal, "f")
