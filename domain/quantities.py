"""Quantities and units: the one place a number from outside becomes a ledger quantity.

Quantities are Decimal with at most three places (a milligram of flower, a thousandth of an
each). Anything else (floats, NaN, infinities, over-precise or absurd values) is refused here, so
the ledger never rounds silently.
"""

from __future__ import annotations

import enum
from decimal import Decimal, InvalidOperation

from domain.errors import InvalidQuantity, UnitMismatch

PLACES = 3
QUANTUM = Decimal(1).scaleb(-PLACES)
# One movement of more than a tonne of flower (or a million units) is a typo, not a shipment.
MAX_QUANTITY = Decimal(1_000_000)


class Unit(enum.StrEnum):
    GRAMS = "grams"
    MILLIGRAMS = "milligrams"
    EACH = "each"


def parse_quantity(value: object, *, field: str = "quantity", allow_zero: bool = False) -> Decimal:
    """Validate ``value`` as a positive ledger quantity and return it normalised to 3 places."""
    if isinstance(value, float | bool):
        # A float has already lost precision before it reached us.
        raise InvalidQuantity(field, "must be a decimal string or integer, not a float")
    try:
        quantity = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidQuantity(field, f"{value!r} is not a number") from None
    if not quantity.is_finite():
        raise InvalidQuantity(field, "must be a finite number")
    if quantity < 0 or (quantity == 0 and not allow_zero):
        raise InvalidQuantity(field, "must be greater than zero")
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(field, f"must not exceed {MAX_QUANTITY}")
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PLACES:
        raise InvalidQuantity(field, f"at most {PLACES} decimal places")
    return quantity.quantize(QUANTUM)


def parse_signed_quantity(value: object, *, field: str = "quantity") -> Decimal:
    """A non-zero delta (adjustments and counts may go either way)."""
    try:
        raw = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidQuantity(field, f"{value!r} is not a number") from None
    if isinstance(value, float | bool):
        raise InvalidQuantity(field, "must be a decimal string or integer, not a float")
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
