"""The one Decimal parser: a number from outside (the API, a state file, a catalogue form)
becomes a ``Decimal`` here, or is refused with the reason.

Callers differ only in options (places, bounds, whether a float is refused or taken exactly)
and in how they word a refusal: each maps ``DecimalRefused.problem`` to its own typed error
(``InvalidQuantity``, ``ValidationError``, ``CcrsFormatError``...).
"""

from __future__ import annotations

import enum
from decimal import Decimal, InvalidOperation
from typing import Literal

Floats = Literal["refuse", "exact"]


class Problem(enum.Enum):
    """Why a value is not an acceptable Decimal, in the order the checks run."""

    NOT_DECIMAL = "not a Decimal"
    FLOAT = "a float"
    NOT_A_NUMBER = "not a number"
    NOT_FINITE = "not finite"
    NEGATIVE = "negative"
    ZERO = "zero"
    TOO_LARGE = "too large"
    TOO_PRECISE = "too many places"


class DecimalRefused(ValueError):
    def __init__(self, problem: Problem, value: object) -> None:
        super().__init__(f"{value!r}: {problem.value}")
        self.problem = problem
        self.value = value


def to_decimal(value: object, *, floats: Floats = "refuse", decimal_only: bool = False) -> Decimal:
    """``value`` as a Decimal, without range checks.

    ``floats``: ``"refuse"`` (a float, or a bool, has already lost precision: refused) or
    ``"exact"`` (``Decimal(value)``: a float's full binary expansion, which the places check then
    judges). ``decimal_only`` accepts nothing but a Decimal.
    """
    if isinstance(value, Decimal):
        return value
    if decimal_only:
        raise DecimalRefused(Problem.NOT_DECIMAL, value)
    if floats == "refuse" and isinstance(value, float | bool):
        raise DecimalRefused(Problem.FLOAT, value)
    try:
        if floats == "exact" and isinstance(value, float | int | str):
            return Decimal(value)
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise DecimalRefused(Problem.NOT_A_NUMBER, value) from None


def check_decimal(
    number: Decimal,
    *,
    places: int,
    maximum: Decimal | None = None,
    maximum_inclusive: bool = True,
    allow_zero: bool = True,
) -> Decimal:
    """``number`` if finite, not negative, within ``maximum`` and with at most ``places``."""
    if not number.is_finite():
        raise DecimalRefused(Problem.NOT_FINITE, number)
    if number < 0:
        raise DecimalRefused(Problem.NEGATIVE, number)
    if number == 0 and not allow_zero:
        raise DecimalRefused(Problem.ZERO, number)
    if maximum is not None and (number > maximum or (not maximum_inclusive and number == maximum)):
        raise DecimalRefused(Problem.TOO_LARGE, number)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise DecimalRefused(Problem.TOO_PRECISE, number)
    return number


def parse_decimal(
    value: object,
    *,
    places: int,
    maximum: Decimal | None = None,
    maximum_inclusive: bool = True,
    allow_zero: bool = True,
    floats: Floats = "refuse",
    decimal_only: bool = False,
    quantize: bool = False,
) -> Decimal:
    """``to_decimal`` then ``check_decimal``; ``quantize`` pads the result to ``places``."""
    number = check_decimal(
        to_decimal(value, floats=floats, decimal_only=decimal_only),
        places=places,
        maximum=maximum,
        maximum_inclusive=maximum_inclusive,
        allow_zero=allow_zero,
    )
    return number.quantize(Decimal(1).scaleb(-places)) if quantize else number
