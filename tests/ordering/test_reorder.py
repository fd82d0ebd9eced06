"""Reorder quantities a buyer can place: whole cases, at least the minimum, never more than sells
before its date, and the reasons with each."""

from __future__ import annotations

import math

import numpy as np
import pytest

from domain.ordering import reorder


def needs(**overrides) -> reorder.Needs:
    base = dict(
        velocity=10.0,
        sigma=0.0,
        lead_time=7.0,
        lead_time_spread=0.0,
        review_days=1.0,
        z=reorder.z_score(0.95),
        on_hand=0.0,
        reserved=0.0,
        expiring=0.0,
        on_order=0.0,
        case_pack=1.0,
        minimum_order=0.0,
        sellable_days=math.nan,
    )
    base.update(overrides)
    arrays = {k: np.array([float(v)]) for k, v in base.items()}
    return reorder.Needs(weekday_factors=np.ones((1, 7)), **arrays)


def test_z_for_95_percent_is_the_normal_quantile():
    assert reorder.z_score(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert reorder.z_score(0.5) == pytest.approx(0.0)


def test_order_up_to_level_covers_lead_time_review_and_safety():
    # 10 a day, sd 3 a day, 7 days' lead (sd 2 days), ordering daily, 95 %.
    planned = reorder.plan(needs(sigma=3.0, lead_time_spread=2.0, on_hand=40.0), 0)
    safety = 1.6449 * math.sqrt(8 * 9 + 100 * 4)
    assert planned.safety_stock[0] == pytest.approx(safety, rel=1e-3)
    assert planned.reorder_point[0] == pytest.approx(80 + safety, rel=1e-3)
    assert planned.order_up_to[0] == pytest.approx(90 + safety, rel=1e-3)
    assert planned.quantity[0] == math.ceil(90 + safety - 40)
    assert planned.bound[0] == reorder.Bound.CASE_PACK


def test_rounds_up_to_whole_cases():
    planned = reorder.plan(needs(on_hand=40.0, case_pack=24.0), 0)
    # Needs 90 - 40 = 50: three cases of 24.
    assert planned.quantity[0] == 72
    assert planned.bound[0] == reorder.Bound.CASE_PACK


def test_raises_to_the_vendors_minimum_in_whole_cases():
    planned = reorder.plan(needs(on_hand=75.0, case_pack=6.0, minimum_order=40.0), 0)
    # Needs 15: three cases would do, but the minimum is 40, so seven cases (42).
    assert planned.quantity[0] == 42
    assert planned.bound[0] == reorder.Bound.MINIMUM_ORDER


def test_nothing_when_the_position_is_above_the_reorder_point():
    planned = reorder.plan(needs(on_hand=60.0, on_order=40.0), 0)
    assert planned.quantity[0] == 0
    assert planned.bound[0] == reorder.Bound.NOTHING_NEEDED


def test_reserved_and_expiring_stock_do_not_count_as_stock():
    planned = reorder.plan(needs(on_hand=100.0, reserved=30.0, expiring=20.0), 0)
    assert planned.position[0] == 50
    assert planned.quantity[0] == 40


def test_expiry_cap_binds_a_short_dated_product():
    # Sells 2 a day, 7 days' lead; a delivery has 10 days before its sell-by date: at most
    # 2 x (7 + 10) = 34 can sell by then, of which 4 are already on hand: the cap is 30.
    loose = reorder.plan(needs(velocity=2.0, sigma=1.5, on_hand=4.0, sellable_days=10.0), 0)
    assert loose.expiry_cap[0] == pytest.approx(30.0)
    assert loose.quantity[0] == 21  # the gap to the order-up-to level is within the cap
    capped = reorder.plan(
        needs(velocity=2.0, sigma=1.5, on_hand=4.0, case_pack=18.0, sellable_days=10.0), 0
    )
    # In cases of 18 it would be two (36 > 30): one case instead, and the reason says so.
    assert capped.quantity[0] == 18
    assert capped.bound[0] == reorder.Bound.EXPIRY


def test_expiry_cap_refuses_a_minimum_that_would_expire():
    planned = reorder.plan(
        needs(velocity=1.0, on_hand=0.0, minimum_order=50.0, sellable_days=20.0), 0
    )
    assert planned.quantity[0] == 0
    assert planned.bound[0] == reorder.Bound.EXPIRY


def test_weekday_factors_shape_the_demand_over_the_lead_time():
    factors = np.array([[0.5, 0.5, 0.5, 0.5, 1.5, 1.5, 2.0]])
    one_week = reorder.horizon_factor(factors, 0, np.array([7.0]))
    weekend = reorder.horizon_factor(factors, 4, np.array([3.0]))
    assert one_week[0] == pytest.approx(1.0)
    assert weekend[0] == pytest.approx(5.0 / 3)


def test_stock_that_cannot_sell_before_its_date_is_counted_as_expiring():
    # One product selling 2 a day: a lot of 10 good for 3 more days sells 6, wastes 4; the
    # next lot (good for 20 days) sells after it.
    wasted = reorder.expiring_unsold(
        np.array([0, 0]), np.array([10.0, 30.0]), np.array([3.0, 20.0]), np.array([2.0])
    )
    assert wasted[0] == pytest.approx(4.0 + 0.0)


def test_order_days_give_the_wait_and_the_review_period():
    tuesday_friday = (1, 4)
    assert reorder.days_to_next_order(tuesday_friday, 2) == 2  # Wednesday → Friday
    assert reorder.review_days(tuesday_friday, 4) == 4  # Friday → Tuesday
    assert reorder.review_days((), 3) == 1
