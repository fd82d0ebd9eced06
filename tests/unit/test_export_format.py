"""The exports' pure parts: which days a request covers, and how a value is written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import ValidationError
from domain.exports import csv_format as fmt
from domain.exports.period import Period, as_of_from, period_from


def test_a_month_is_its_first_to_its_last_day_and_names_the_file():
    period = period_from({"month": "2024-02"})
    assert (period.first, period.last, period.label) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
        "2024-02",
    )
    assert period_from({"from": "2026-11-03", "to": "2026-11-09"}).label == (
        "2026-11-03_2026-11-09"
    )
    assert as_of_from({"month": "2026-11"}) == Period(date(2026, 11, 30), date(2026, 11, 30))
    assert as_of_from({"date": "2026-11-15"}).label == "2026-11-15"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"month": "2026-13"},
        {"month": "26-11"},
        {"from": "2026-11-01"},
        {"from": "2026-02-30", "to": "2026-03-01"},
        {"from": "2026-11-02", "to": "2026-11-01"},
        {"from": "2025-01-01", "to": "2026-12-31"},
        {"month": "2026-11", "to": "2026-11-30"},
        {"from": "1999-12-31", "to": "2000-01-01"},
    ],
)
def test_a_period_that_is_not_one_is_refused_by_name(params):
    with pytest.raises(ValidationError):
        period_from(params)


def test_numbers_are_plain_decimal_strings_with_fixed_places():
    assert fmt.fixed(Decimal("1E+1"), fmt.CENT) == "10.00"
    assert fmt.fixed(Decimal("-0.0001"), fmt.CENT) == "0.00"
    assert fmt.fixed(Decimal("116.875"), fmt.CENT) == "116.88"
    assert fmt.fixed(None, fmt.QUANTITY) == "0.000"
    assert fmt.lines([(date(2026, 11, 30), Decimal("2.50"), None, 3)]) == "2026-11-30,2.50,,3\r\n"


def test_a_cell_a_spreadsheet_would_run_is_defused_and_commas_are_quoted():
    line = fmt.lines([('=HYPERLINK("x")', "-5.00", "-rm", "OG, 3.5 g", "@SUM(A1)")])
    assert line == '"\'=HYPERLINK(""x"")",-5.00,\'-rm,"OG, 3.5 g",\'@SUM(A1)\r\n'
