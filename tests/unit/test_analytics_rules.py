"""Analytics rules without a database: periods, aging buckets, day runs, transfer legality."""

from __future__ import annotations

from datetime import date

from domain.analytics.model import Licence, Period, aging_bucket, may_transfer, movable_pairs
from domain.analytics.rollup import runs


def test_a_period_reads_whole_months_from_the_monthly_roll_up():
    assert Period(date(2025, 1, 15), date(2025, 4, 10)).months == (
        date(2025, 2, 1),
        date(2025, 4, 1),
    )
    assert Period(date(2025, 1, 1), date(2025, 1, 31)).months == (
        date(2025, 1, 1),
        date(2025, 2, 1),
    )
    start, end = Period(date(2025, 1, 2), date(2025, 1, 30)).months
    assert start == end  # no whole month: every day from the daily roll-up
    assert Period(date(2024, 12, 1), date(2025, 2, 28)).days == 90


def test_aging_buckets_have_inclusive_upper_bounds():
    assert [aging_bucket(d) for d in (0, 30, 31, 60, 61, 90, 91, 400)] == [
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
        "90+",
    ]


def test_days_to_recompute_group_into_runs():
    days = [date(2025, 3, d) for d in (5, 1, 2, 3, 9, 10)]
    assert runs(days) == [
        (date(2025, 3, 1), date(2025, 3, 3)),
        (date(2025, 3, 5), date(2025, 3, 5)),
        (date(2025, 3, 9), date(2025, 3, 10)),
    ]


def test_stock_moves_only_between_one_operators_licences_in_one_state():
    oakland, la, denver, rival = (
        Licence(1, 7, "CA"),
        Licence(2, 7, "CA"),
        Licence(3, 7, "CO"),
        Licence(4, 8, "CA"),
    )
    assert may_transfer(oakland, la) is None
    assert "state lines" in (may_transfer(oakland, denver) or "")
    assert "another operator" in (may_transfer(oakland, rival) or "")
    assert movable_pairs([rival, denver, la, oakland]) == [(1, 2), (2, 1)]


def test_an_edge_month_mostly_inside_the_period_is_read_whole_less_its_outside_days():
    two_years = Period(date(2024, 12, 8), date(2026, 12, 7))
    # December 2024: 24 days inside, 7 outside; December 2026: nothing after today to take off.
    assert two_years.reads(date(2026, 12, 7)) == (date(2024, 12, 1), date(2027, 1, 1))
    # Looking back at a finished period, 24 December days after the last would be taken off:
    # read those 7 days instead.
    assert two_years.reads(date(2027, 6, 1)) == (date(2024, 12, 1), date(2026, 12, 1))
    late_start = Period(date(2025, 1, 25), date(2025, 3, 31))
    assert late_start.reads(date(2025, 6, 1)) == (date(2025, 2, 1), date(2025, 4, 1))
