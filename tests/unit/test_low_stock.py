"""When the floor runs low: the crossing is announced once, when the threshold is passed."""

from __future__ import annotations

from decimal import Decimal

from domain.inventory.rules import low_stock_crossings

D = Decimal


def test_a_sale_that_takes_the_floor_below_the_threshold_is_announced_with_what_is_left():
    crossed = low_stock_crossings({7: D("30")}, {7: D("12.5")}, {7: D("20")})
    assert crossed == {7: D("17.5")}


def test_a_floor_already_below_the_threshold_is_not_announced_again():
    assert low_stock_crossings({7: D("15")}, {7: D("1")}, {7: D("20")}) == {}


def test_landing_exactly_on_the_threshold_is_not_yet_low():
    assert low_stock_crossings({7: D("25")}, {7: D("5")}, {7: D("20")}) == {}


def test_products_without_a_threshold_or_untouched_are_ignored():
    before = {7: D("30"), 8: D("30")}
    assert low_stock_crossings(before, {7: D("29")}, {7: None, 8: D("20")}) == {}
