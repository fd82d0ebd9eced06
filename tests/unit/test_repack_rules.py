"""The arithmetic of a repack: content in grams, the balance with packaging loss, where the loss
comes from, which input fills which output, and the yield flag. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import RepackExceedsInputs, ValidationError
from domain.repackaging import rules

D = Decimal


def test_pre_rolls_count_by_their_unit_weight():
    assert rules.grams(D(30), "each", D("0.5")) == D(15)
    assert rules.grams(D(500), "milligrams", None) == D("0.5")
    assert rules.grams(D(2), "each", None) is None
    assert rules.in_unit(D(15), "each", D("0.5")) == D(30)


def test_outputs_and_loss_must_account_for_the_inputs_exactly():
    rules.check_balance(D(10), D(9), D(1))
    with pytest.raises(RepackExceedsInputs):
        rules.check_balance(D(10), D(10), D("0.5"))
    with pytest.raises(ValidationError):
        rules.check_balance(D(10), D(9), D(0))


def test_the_loss_comes_from_the_weighed_inputs_in_order():
    assert rules.split_loss([D(3), None, D(5)], D(4)) == [D(3), D(0), D(1)]
    with pytest.raises(ValidationError):
        rules.split_loss([None, D(1)], D(2))


def test_each_output_is_filled_from_the_inputs_in_order():
    made = rules.allocate([D(6), D(4)], [D(5), D(5)])
    assert [[(p.input_index, p.grams) for p in parts] for parts in made] == [
        [(0, D(5))],
        [(0, D(1)), (1, D(4))],
    ]


def test_a_yield_is_flagged_below_the_threshold_share_of_the_expected():
    assert rules.yield_pct(D(16), D(15)) == D("93.75")
    assert rules.low_yield(D("93.75"), D(97), D(98)) is True
    assert rules.low_yield(D("93.75"), D(95), D(98)) is False
    assert rules.low_yield(D(90), None, D(98)) is False  # nothing expected, nothing flagged
    assert rules.low_yield(D(94), D(95), None) is True  # no threshold: below expected at all
