"""Money from the register: Decimal, two places, never negative, never absurd."""

from __future__ import annotations

from decimal import Decimal

from domain.errors import ValidationError
from domain.numbers import DecimalRefused, Problem, parse_decimal

MAX_AMOUNT = Decimal(1_000_000)


def money(value: object, field: str) -> Decimal:
    try:
        return parse_decimal(value, places=2, maximum=MAX_AMOUNT, quantize=True)
    except DecimalRefused as refused:
        match refused.problem:
            case Problem.FLOAT:
                reason = "must be a decimal string, not a float"
            case Problem.NOT_A_NUMBER:
                reason = f"{value!r} is not an amount"
            case Problem.TOO_PRECISE:
                reason = "at most 2 decimal places"
            case _:
                reason = f"must be between 0 and {MAX_AMOUNT}"
        raise ValidationError(field, reason) from None
