"""The backtest a buyer runs before trusting the suggestions: the same past, two policies."""

from __future__ import annotations

from datetime import timedelta

from domain import db
from domain.demo.history import Stocked, simulate
from domain.ordering import backtest
from tests.ordering.helpers import local_today, product, seed


async def test_the_backtest_replays_a_seeded_history_under_both_policies(world):
    ca = world.ca
    ids = [await product(ca, f"BT-{n}") for n in range(4)]
    stocked = [
        Stocked(pid, demand, 120, "edible")
        for pid, demand in zip(ids, (0.8, 2.5, 5.0, 9.0), strict=True)
    ]
    today = await local_today(ca.location_id)
    history = simulate(stocked, today - timedelta(days=150), 150, seed=11)
    await seed(ca, stocked, history)

    async with db.connection() as conn:
        replayable = await backtest.load(conn, ca.location_id, 100)
    outcomes = backtest.compare(replayable)

    suggested, naive = outcomes
    assert (suggested.policy, naive.policy) == ("suggestions", "naive min/max")
    assert all((o.days, o.products) == (100, 4) for o in outcomes)
    assert suggested.stockout_days < naive.stockout_days
    assert suggested.average_inventory_value < naive.average_inventory_value
    lines = backtest.report(outcomes)
    assert lines[1].startswith("suggestions")
    assert lines[2].startswith("naive min/max")
