"""One Decimal parser behind quantities, register money, catalogue figures and CCRS amounts:
each still refuses the same inputs with its own words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.services import _amount
from domain.errors import InvalidQuantity, ValidationError
from domain.numbers import DecimalRefused, Problem, parse_decimal
from domain.quantities import parse_quantity, parse_signed_quantity
from domain.sales.pricing import money
from plugins.builtin.ccrs_files.codecs import Amount, CcrsFormatError


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0.5, Problem.FLOAT),
        (True, Problem.FLOAT),
        ("abc", Problem.NOT_A_NUMBER),
        ("NaN", Problem.NOT_FINITE),
        ("-Infinity", Problem.NOT_FINITE),
        ("-1", Problem.NEGATIVE),
        ("1000000.01", Problem.TOO_LARGE),
        ("1.2345", Problem.TOO_PRECISE),
    ],
)
def test_the_parser_names_why_a_number_is_refused(value: object, problem: Problem) -> None:
    with pytest.raises(DecimalRefused) as refused:
        parse_decimal(value, places=3, maximum=Decimal(1_000_000))
    assert refused.value.problem is problem


def test_trailing_zeros_are_not_precision_and_quantize_pads() -> None:
    assert parse_decimal("1.50000", places=2, quantize=True) == Decimal("1.50")
    assert str(parse_decimal(7, places=3, quantize=True)) == "7.000"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1.5, "must be a decimal string or integer, not a float"),
        ("x", "'x' is not a number"),
        ("NaN", "must be a finite number"),
        ("0", "must be greater than zero"),
        ("-2", "must be greater than zero"),
        ("1000001", "must not exceed 1000000"),
        ("0.0001", "at most 3 decimal places"),
    ],
)
def test_a_quantity_is_refused_in_the_ledger_words(value: object, reason: str) -> None:
    with pytest.raises(InvalidQuantity) as refused:
        parse_quantity(value)
    assert refused.value.reason == reason


def test_signed_quantities_keep_their_sign_and_refuse_bools_as_not_numbers() -> None:
    assert parse_signed_quantity("-1.5") == Decimal("-1.500")
    assert parse_quantity("0", allow_zero=True) == Decimal("0.000")
    with pytest.raises(InvalidQuantity) as refused:
        parse_signed_quantity(True)
    assert refused.value.reason == "True is not a number"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (2.5, "must be a decimal string, not a float"),
        ("ten", "'ten' is not an amount"),
        ("-0.01", "must be between 0 and 1000000"),
        ("Infinity", "must be between 0 and 1000000"),
        ("0.001", "at most 2 decimal places"),
    ],
)
def test_register_money_is_refused_in_its_words(value: object, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        money(value, "price")
    assert (refused.value.field, refused.value.reason) == ("price", reason)
    assert money("12.5", "price") == Decimal("12.50")


def test_catalogue_figures_take_floats_exactly_and_refuse_in_one_sentence() -> None:
    _amount("price", 12.25, 4, Decimal(1_000_000))  # exactly representable: accepted
    with pytest.raises(ValidationError) as too_precise:
        _amount("price", 0.1, 4, Decimal(1_000_000))  # 0.1000000000000000055...
    assert too_precise.value.reason == "must be between 0 and 1000000 with at most 4 places"
    with pytest.raises(ValidationError) as garbage:
        _amount("unit_cost", "twelve", 4, Decimal(1_000_000))
    assert (garbage.value.field, garbage.value.reason) == ("unitCost", "is not a number")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", "must be a Decimal, not str"),
        (Decimal("NaN"), "must be a finite number"),
        (Decimal("-1"), "must not be negative (the state refuses negative entries)"),
        (Decimal(100_000_000), "must be below 100000000"),
        (Decimal("1.001"), "must have at most 2 decimal places, not 1.001"),
    ],
)
def test_ccrs_amounts_are_refused_in_the_file_writer_words(value: object, message: str) -> None:
    with pytest.raises(CcrsFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Amount(places=2)._check(value)
