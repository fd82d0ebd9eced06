"""Money from the register: Decimal, two places, never negative, never absurd."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from domain.errors import ValidationError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(1_000_000)


def money(value: object, field: str) -> Decimal:
    if isinstance(value, float | bool):
        raise ValidationError(field, "must be a decimal string, not a float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(field, f"{value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValidationError(field, f"must be between 0 and {MAX_AMOUNT}")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(field, "at most 2 decimal places")
    return amount.quantize(CENT)
