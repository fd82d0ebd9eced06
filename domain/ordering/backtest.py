"""Replaying a location's history under two ordering policies, day by day.

What customers wanted each day is what they bought on days the product was on the floor all day;
on days it was not (censored), the product's own average for that weekday stands in. Each policy
starts from the same stock, sees only the sales its own replay produced (so running out hides
demand from it, as in a store), orders at the end of each day, and receives after the lead time
a lot good for the product's usual sellable days; lots past their date are thrown away (counted
as expired value). The suggestions (``demand`` + ``reorder``, 95 %) are compared with a naive
min/max: when stock plus what is on order falls under a week of the last four weeks' average
sales, order up to four weeks of it (what the demo store did).

Pure numpy after one bounded read (``load``); ``leafledger backtest`` prints ``compare``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np

from domain.errors import NotFound
from domain.ordering import demand, reorder
from domain.ordering import suggestions_sql as sql
from domain.ordering.demand import BoolArray, FloatArray, IntArray
from domain.ordering.terms import supply_terms

WARMUP_DAYS = 28
LEARN_DAYS = 91
SERVICE_LEVEL = 0.95
NAIVE_MIN_DAYS, NAIVE_MAX_DAYS, NAIVE_AVERAGE_DAYS = 7, 28, 28


@dataclass(frozen=True)
class Replayable:
    """A location's daily history (oldest day first) and what the replay needs per product."""

    sales: FloatArray  # (products, days)
    available: BoolArray
    weekdays: IntArray
    unit_cost: FloatArray
    lead_time: FloatArray
    sellable_days: FloatArray  # nan: never expires
    first: date


@dataclass(frozen=True)
class Outcome:
    policy: str
    days: int
    products: int
    stockout_days: int  # product-days that closed with nothing left
    average_inventory_value: float
    expired_value: float
    orders: int

    @property
    def stockout_rate(self) -> float:
        return self.stockout_days / max(1, self.days * self.products)


async def load(conn: asyncpg.Connection, location_id: int, days: int) -> Replayable:
    """The last ``days`` full days (plus the warm-up before them) of the location's ledger."""
    location = await conn.fetchrow(sql.LOCATION, location_id)
    if location is None:
        raise NotFound("location", str(location_id))
    tz, today = location["timezone"], location["local_today"]
    window = days + WARMUP_DAYS
    first = today - timedelta(days=window)
    since = datetime.combine(first, time(), tzinfo=ZoneInfo(tz))
    floor_zones = [r["id"] for r in await conn.fetch(sql.FLOOR_ZONES, location_id)]
    async with conn.transaction():
        await conn.execute(sql.WORK_MEM)
        history = await conn.fetch(sql.HISTORY, location_id, tz, since, floor_zones, first)
    stock = await conn.fetch(sql.STOCK, location_id)
    ids = sorted(r["product"] for r in history if min(r["days"]) < window)
    products = await conn.fetch(
        sql.PRODUCTS, ids, location_id, tz, since - timedelta(days=365), location["operator"]
    )
    index = {r["id"]: i for i, r in enumerate(products)}
    size = len(products)
    sales, deltas = np.zeros((size, window + 1)), np.zeros((size, window + 1))
    for r in history:
        p = index.get(r["product"])
        if p is not None:
            sales[p, r["days"]] = r["sold"]
            deltas[p, r["days"]] = r["floor_delta"]
    floor_now = np.zeros(size)
    for r in stock:
        if r["kind"] == "sales_floor" and r["product"] in index:
            floor_now[index[r["product"]]] += float(r["quantity"])
    _, closing = demand.floor_levels(floor_now, deltas)
    terms = await supply_terms(conn, location_id, [r["id"] for r in products])
    return Replayable(
        sales=sales[:, :-1],
        available=demand.available_days(closing)[:, :-1],
        weekdays=np.array([(first + timedelta(days=d)).weekday() for d in range(window)]),
        unit_cost=np.array([float(r["unit_cost"]) for r in products]),
        lead_time=np.array([float(terms[r["id"]].lead_time_days) for r in products]),
        sellable_days=np.array(
            [np.nan if r["sellable_days"] is None else float(r["sellable_days"]) for r in products]
        ),
        first=first,
    )


def true_demand(history: Replayable) -> FloatArray:
    """Sales on counted days; each product's weekday average (of counted days) on the others."""
    factors = demand.weekday_factors(history.sales, history.available, history.weekdays)
    counted = history.available.sum(axis=1)
    mean = np.divide(
        np.where(history.available, history.sales, 0).sum(axis=1),
        counted,
        out=np.zeros(len(counted)),
        where=counted > 0,
    )
    typical = mean[:, None] * factors[:, history.weekdays]
    return np.where(history.available, history.sales, typical)


Policy = Callable[
    [int, FloatArray, BoolArray, FloatArray, FloatArray, list[list[list[float]]]], FloatArray
]


def suggestions_policy(history: Replayable) -> Policy:
    z = reorder.z_score(SERVICE_LEVEL)

    def decide(t, sold, available, stock, on_order, lots):
        start = max(0, t + 1 - LEARN_DAYS)
        learned = demand.estimate(
            sold[:, start : t + 1], available[:, start : t + 1], history.weekdays[start : t + 1]
        )
        product_index = [p for p, held in enumerate(lots) for _ in held]
        expiring = reorder.expiring_unsold(
            np.array(product_index, dtype=np.int64),
            np.array([lot[0] for held in lots for lot in held]),
            np.array([lot[1] - t for held in lots for lot in held]),
            learned.velocity,
        )
        size = len(stock)
        needs = reorder.Needs(
            velocity=learned.velocity,
            sigma=learned.sigma,
            weekday_factors=learned.weekday_factors,
            lead_time=history.lead_time,
            lead_time_spread=np.zeros(size),
            review_days=np.ones(size),
            z=np.full(size, z),
            on_hand=stock,
            reserved=np.zeros(size),
            expiring=expiring,
            on_order=on_order,
            case_pack=np.ones(size),
            minimum_order=np.zeros(size),
            sellable_days=history.sellable_days,
        )
        return reorder.plan(needs, int(history.weekdays[t] + 1) % 7).quantity

    return decide


def naive_policy(history: Replayable) -> Policy:
    def decide(t, sold, available, stock, on_order, lots):
        start = max(0, t + 1 - NAIVE_AVERAGE_DAYS)
        average = sold[:, start : t + 1].mean(axis=1)
        position = stock + on_order
        wanted = np.ceil(average * NAIVE_MAX_DAYS - position)
        return np.where(position < average * NAIVE_MIN_DAYS, np.maximum(wanted, 0.0), 0.0)

    return decide


def replay(history: Replayable, name: str, policy: Policy) -> Outcome:
    """Run ``policy`` over every day after the warm-up."""
    wanted = true_demand(history)
    size, days = wanted.shape
    sold = history.sales.copy()
    available = history.available.copy()
    # Start with two weeks of the warm-up's demand on hand, good for its usual sellable days.
    start_stock = np.ceil(wanted[:, :WARMUP_DAYS].mean(axis=1) * 14)
    shelf = np.where(np.isnan(history.sellable_days), 1e9, history.sellable_days)
    lots: list[list[list[float]]] = [
        [[float(start_stock[p]), WARMUP_DAYS + shelf[p]]] if start_stock[p] > 0 else []
        for p in range(size)
    ]
    pipeline: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    stockouts, value, expired, orders = 0, 0.0, 0.0, 0
    for t in range(WARMUP_DAYS, days):
        for p in range(size):
            arrived = [q for day, q in pipeline[p] if day == t]
            if arrived:
                pipeline[p] = [(day, q) for day, q in pipeline[p] if day != t]
                lots[p].append([sum(arrived), t + shelf[p]])
            kept = []
            for lot in lots[p]:
                if lot[1] <= t:
                    expired += lot[0] * history.unit_cost[p]
                else:
                    kept.append(lot)
            kept.sort(key=lambda lot: lot[1])
            opening = sum(lot[0] for lot in kept)
            left = wanted[p, t]
            for lot in kept:
                take = min(lot[0], left)
                lot[0] -= take
                left -= take
            lots[p] = [lot for lot in kept if lot[0] > 1e-9]
            closing = sum(lot[0] for lot in lots[p])
            sold[p, t] = wanted[p, t] - left
            available[p, t] = opening > 0 and closing > 0
            stockouts += closing <= 1e-9
            value += closing * history.unit_cost[p]
        stock = np.array([sum(lot[0] for lot in held) for held in lots])
        on_order = np.array([sum(q for _, q in queued) for queued in pipeline])
        quantity = policy(t, sold, available, stock, on_order, lots)
        for p in np.nonzero(quantity > 0)[0]:
            pipeline[p].append((t + 1 + round(history.lead_time[p]), float(quantity[p])))
            orders += 1
    replayed = days - WARMUP_DAYS
    return Outcome(name, replayed, size, int(stockouts), value / max(1, replayed), expired, orders)


def compare(history: Replayable) -> list[Outcome]:
    return [
        replay(history, "suggestions", suggestions_policy(history)),
        replay(history, "naive min/max", naive_policy(history)),
    ]


def report(outcomes: list[Outcome]) -> list[str]:
    lines = [
        f"{'policy':<14} {'stockout days':>14} {'rate':>7} {'avg inventory':>14}"
        f" {'expired value':>14} {'orders':>7}"
    ]
    for o in outcomes:
        lines.append(
            f"{o.policy:<14} {o.stockout_days:>14,} {o.stockout_rate:>7.1%}"
            f" {o.average_inventory_value:>14,.2f} {o.expired_value:>14,.2f} {o.orders:>7,}"
        )
    return lines
