"""Demand as a buyer needs it: days the shelf was empty are not days nobody wanted the product."""

from __future__ import annotations

import numpy as np
import pytest

from domain.ordering import demand

MONDAY_FIRST = np.arange(28) % 7


def test_days_out_of_stock_are_left_out_not_counted_as_zero_demand():
    # Ten a day, every day, except five days the floor was empty (nothing could sell).
    sales = np.full((1, 28), 10.0)
    available = np.ones((1, 28), dtype=bool)
    for day in (3, 9, 15, 21, 26):
        sales[0, day] = 0.0
        available[0, day] = False

    learned = demand.estimate(sales, available, MONDAY_FIRST)

    assert learned.velocity[0] == pytest.approx(10.0)
    assert learned.sigma[0] == pytest.approx(0.0, abs=1e-9)
    assert (learned.observed_days[0], learned.stockout_days[0]) == (23, 5)
    # Counting the empty days as zero would have said about 8.2 a day.
    naive = demand.estimate(sales, np.ones((1, 28), dtype=bool), MONDAY_FIRST)
    assert naive.velocity[0] < 9.0


def test_a_day_that_ran_out_before_closing_does_not_count():
    closing = np.array([[3.0, 0.0, 4.0, 2.0]])
    assert demand.available_days(closing).tolist() == [[True, False, True, True]]


def test_floor_levels_walk_back_from_what_the_floor_holds_now():
    # Now 2 on the floor; today -1, yesterday +6 (restock) then -4 net, the day before -3.
    deltas = np.array([[-3.0, 2.0, -1.0]])
    opening, closing = demand.floor_levels(np.array([2.0]), deltas)
    assert closing.tolist() == [[1.0, 3.0, 2.0]]
    assert opening.tolist() == [[4.0, 1.0, 3.0]]


def test_weekend_days_sell_more_and_the_factors_average_one():
    pattern = np.array([0.8, 0.8, 0.8, 1.0, 1.2, 1.6, 0.8])
    weeks = 12
    weekdays = np.arange(7 * weeks) % 7
    sales = (10 * pattern[weekdays])[None, :]
    available = np.ones_like(sales, dtype=bool)

    factors = demand.weekday_factors(sales, available, weekdays)[0]

    assert factors.mean() == pytest.approx(1.0)
    assert factors[5] > factors[4] > factors[3] > factors[0]
    # Twice as busy, read a little more cautiously than 2x (each weekday leans towards 1).
    assert 1.75 < factors[5] / factors[0] < 2.0
    # With the weekday effect taken out, the baseline is the average day.
    learned = demand.estimate(sales, available, weekdays)
    assert learned.velocity[0] == pytest.approx(10 * pattern.mean(), rel=0.02)


def test_the_baseline_follows_recent_weeks_more_than_old_ones():
    weekdays = np.arange(56) % 7
    sales = np.concatenate([np.full(28, 4.0), np.full(28, 12.0)])[None, :]
    learned = demand.estimate(sales, np.ones_like(sales, dtype=bool), weekdays)
    assert 10.0 < learned.velocity[0] < 12.0


def test_a_product_never_on_the_floor_has_no_demand_to_learn_from():
    sales = np.zeros((1, 14))
    learned = demand.estimate(sales, np.zeros((1, 14), dtype=bool), np.arange(14) % 7)
    assert learned.velocity[0] == 0.0
    assert learned.weekday_factors[0].tolist() == [1.0] * 7
