"""A number typed at a register becomes a ledger quantity only if it is exact and sane."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import InvalidQuantity, UnitMismatch
from domain.quantities import parse_quantity, parse_signed_quantity, require_unit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3.5", Decimal("3.500")), (2, Decimal("2.000")), (Decimal("0.001"), Decimal("0.001"))],
)
def test_exact_quantities_are_kept_to_the_milligram(raw, expected):
    assert parse_quantity(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["0", "-1", "NaN", "Infinity", "-Infinity", "1.0001", "1e9", "abc", "", 1.5, True],
)
def test_zero_negative_nan_overprecise_enormous_or_float_quantities_are_refused(raw):
    with pytest.raises(InvalidQuantity):
        parse_quantity(raw)


def test_adjustments_may_go_down_but_not_by_nothing():
    assert parse_signed_quantity("-2.5") == Decimal("-2.500")
    with pytest.raises(InvalidQuantity):
        parse_signed_quantity("0")
    with pytest.raises(InvalidQuantity):
        parse_signed_quantity("-0.0001")


def test_a_quantity_in_another_unit_is_not_silently_converted():
    require_unit("grams", "grams")
    require_unit("grams", None)
    with pytest.raises(UnitMismatch):
        require_unit("grams", "each")
