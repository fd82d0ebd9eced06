"""Count plans as a manager sees them: which products are A, B or C, how often each is counted,
where each number comes from, when a package is due, and when the store is quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.counts.abc import AbcClass, ProductActivity, classify
from domain.counts.plan_rules import (
    DEFAULT_POLICY,
    DueState,
    PlanPolicy,
    Source,
    StateMinimum,
    due_at,
    due_state,
    frequencies,
    interval_days,
    state_minimum,
)
from domain.counts.traffic import quiet_hours
from domain.limits import Mark
from plugins.states import new_york
from plugins.states.base import CountRules, Fact


def _p(pid: int, value: str, sold: str = "0", unit: str = "grams") -> ProductActivity:
    return ProductActivity(pid, unit, Decimal(value), Decimal(sold))


def test_the_products_holding_most_of_the_value_are_class_a():
    # 700 + 200 + 60 + 40 = 1000: the first crosses 80 % (A), the second crosses 95 % (B: it
    # starts at 70 %, below 80 %, so it is A too), then B, then C.
    classes = classify([_p(1, "700"), _p(2, "200"), _p(3, "60"), _p(4, "40")])
    assert {pid: c.abc_class for pid, c in classes.items()} == {
        1: AbcClass.A,
        2: AbcClass.A,
        3: AbcClass.B,
        4: AbcClass.C,
    }
    assert classes[1].value_share == Decimal("0.7")


def test_a_cheap_product_that_sells_all_day_is_counted_as_often_as_an_expensive_one():
    classes = classify(
        [
            _p(1, "900", sold="1"),  # expensive, sits in the vault
            _p(2, "50", sold="0"),
            _p(3, "50", sold="99"),  # cheap pre-roll, sells all day
        ]
    )
    assert classes[1].abc_class == AbcClass.A
    assert classes[3].by_value == AbcClass.C
    assert classes[3].by_velocity == AbcClass.A
    assert classes[3].abc_class == AbcClass.A
    assert classes[2].abc_class == AbcClass.B  # by value only


def test_grams_and_eaches_sold_are_ranked_apart():
    classes = classify(
        [
            _p(1, "0", sold="1000", unit="grams"),
            _p(2, "0", sold="100", unit="each"),
            _p(3, "0", sold="1", unit="each"),
        ]
    )
    # 100 eaches are most of the eaches sold, though fewer than 1000 grams.
    assert classes[2].by_velocity == AbcClass.A
    assert classes[3].by_velocity == AbcClass.C


def test_nothing_on_hand_and_nothing_sold_is_class_c():
    classes = classify([_p(1, "0"), _p(2, "0")])
    assert {c.abc_class for c in classes.values()} == {AbcClass.C}


def test_shares_out_of_order_are_refused():
    with pytest.raises(ValueError, match="A share <= B share"):
        classify([_p(1, "1")], a_share=Decimal("0.9"), b_share=Decimal("0.8"))


def test_the_default_plan_counts_a_weekly_b_monthly_c_quarterly_and_vaults_weekly():
    plan = frequencies(DEFAULT_POLICY, None)
    assert {k: (f.every_days, f.source) for k, f in plan.items()} == {
        "A": (7, Source.DEFAULT),
        "B": (30, Source.DEFAULT),
        "C": (90, Source.DEFAULT),
        "vault": (7, Source.DEFAULT),
    }


def test_a_location_number_is_marked_as_the_locations():
    plan = frequencies(PlanPolicy(class_b_days=14), None)
    assert (plan["B"].every_days, plan["B"].source) == (14, Source.LOCATION)
    assert plan["A"].source == Source.DEFAULT


def test_a_state_full_count_minimum_overrides_a_laxer_plan_but_not_a_stricter_one():
    minimum = StateMinimum("ZZ", full_count_every_days=30, full_count_source="Rule 1")
    plan = frequencies(PlanPolicy(class_b_days=14, class_c_days=120), minimum)
    assert (plan["C"].every_days, plan["C"].source, plan["C"].citation) == (
        30,
        Source.STATE,
        "Rule 1",
    )
    assert plan["C"].planned_days == 120
    assert (plan["B"].every_days, plan["B"].source) == (14, Source.LOCATION)
    assert plan["A"].every_days == 7


def test_a_state_cycle_minimum_caps_the_short_cycle_counts_only():
    ny = state_minimum("NY", new_york.RULEBOOK.counts)
    assert ny.cycle_count_every_days == 7
    plan = frequencies(PlanPolicy(class_a_days=14, vault_days=10, class_b_days=60), ny)
    assert (plan["A"].every_days, plan["A"].source) == (7, Source.STATE)
    assert (plan["vault"].every_days, plan["vault"].source) == (7, Source.STATE)
    assert (plan["B"].every_days, plan["B"].source) == (60, Source.LOCATION)


def test_an_unconfirmed_state_number_sets_no_minimum():
    rules = CountRules(full_count_every_days=Fact(10, Mark.CONFIRMED, "Rule 9"))
    assert state_minimum("ZZ", rules).full_count_every_days == 10
    assert state_minimum("ZZ", CountRules()) == StateMinimum("ZZ")


def test_a_c_package_in_the_vault_is_counted_as_often_as_the_vault():
    plan = frequencies(DEFAULT_POLICY, None)
    assert interval_days(AbcClass.C, "vault", plan) == 7
    assert interval_days(AbcClass.C, "sales_floor", plan) == 90


def test_a_package_is_due_its_interval_after_its_last_count_or_its_receipt():
    received = datetime(2026, 11, 1, tzinfo=UTC)
    counted = datetime(2026, 11, 20, tzinfo=UTC)
    assert due_at(None, received, 7) == datetime(2026, 11, 8, tzinfo=UTC)
    assert due_at(counted, received, 7) == datetime(2026, 11, 27, tzinfo=UTC)
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    day = timedelta(days=1)
    assert due_state(due_at(counted, received, 7), now, day) == DueState.DUE
    assert due_state(due_at(None, received, 7), now, day) == DueState.OVERDUE
    assert due_state(due_at(counted, received, 30), now, day) == DueState.LATER


def test_the_quietest_trading_hour_of_each_day_is_suggested_quietest_first():
    sales = {(1, 9): 4, (1, 10): 12, (1, 14): 30, (2, 9): 2, (2, 18): 40, (1, 3): 0}
    slots = quiet_hours(sales, Decimal(4))
    assert [(s.day_name, s.hour, s.sales_per_week) for s in slots] == [
        ("Tuesday", 9, Decimal("0.50")),
        ("Monday", 9, Decimal("1.00")),
    ]
