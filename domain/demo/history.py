"""A store's past, simulated: deliveries, morning restocks, sales, write-offs of expired lots.

Pure and deterministic for a seed. Demand has a weekday pattern (Friday and Saturday busy,
Monday and Sunday quiet), a few promotions (4/20 for everyone, a week of discounts on a few
categories), and noise. The store replenished the way many do before they plan: when the
shelf-and-back-room stock falls under a week of recent sales, order up to four weeks, from
vendors who deliver in four to nine days and now and then run short for a fortnight. That is
what produces the stockouts and the restocks after them, as in a real store's books.

``domain.demo.history_copy`` turns the events into ledger rows (hash-chained movements, balances,
sales and their lines) and writes them with COPY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

# Monday first: what share of an average day each weekday sells.
WEEKDAY_PATTERN = (0.8, 0.85, 0.9, 1.0, 1.3, 1.35, 0.8)
FLOOR_DAYS = 3  # the sales floor is restocked each morning to about this many days of sales
ORDER_AT_DAYS, ORDER_UP_TO_DAYS = 7, 28  # the store's habit: a week's sales, four weeks'


@dataclass(frozen=True)
class Stocked:
    """One product a store carries, as the simulation needs it."""

    product_id: int
    base_demand: float  # units (or grams) on an average day
    shelf_life_days: int
    category: str = ""


@dataclass(frozen=True)
class Promotion:
    first: date
    last: date
    lift: float
    discount: float  # share of the price taken off
    categories: frozenset[str] | None  # None: everything


@dataclass
class Lot:
    """A delivery: one package of a new batch."""

    key: int
    product_index: int
    arrived: int  # day index
    produced: date
    expires_on: date
    received: int
    vault: int = 0
    floor: int = 0


@dataclass(frozen=True)
class Event:
    day: int
    kind: str  # receive | transfer | sale | expire
    lot: int
    quantity: int
    zone: str = "vault"  # expire: the zone written off
    discount: float = 0.0


@dataclass
class History:
    first: date
    days: int
    lots: list[Lot] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    # (products, days): what sold, and what customers wanted (for checks and backtests).
    sold: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    demand: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def promotions(first: date, days: int, rng: np.random.Generator) -> list[Promotion]:
    """4/20 for everyone, and three discount weeks on one or two categories."""
    chosen = []
    last = first + timedelta(days=days - 1)
    for year in {first.year, last.year}:
        start = date(year, 4, 18)
        if first <= start and start + timedelta(days=3) <= last:
            chosen.append(Promotion(start, start + timedelta(days=3), 2.2, 0.2, None))
    categories = ("flower", "pre_roll", "vape", "edible", "concentrate", "beverage")
    for _ in range(3):
        start = first + timedelta(days=int(rng.integers(30, max(31, days - 10))))
        picked = frozenset(rng.choice(categories, size=2, replace=False).tolist())
        chosen.append(Promotion(start, start + timedelta(days=6), 1.7, 0.15, picked))
    return chosen


def _lift(day: date, category: str, promos: Sequence[Promotion]) -> tuple[float, float]:
    for promo in promos:
        if promo.first <= day <= promo.last and (
            promo.categories is None or category in promo.categories
        ):
            return promo.lift, promo.discount
    return 1.0, 0.0


def simulate(stocked: Sequence[Stocked], first: date, days: int, seed: int) -> History:
    """Day by day, every product: write off expired lots, receive deliveries, restock the floor,
    sell (first-expiring first, never more than the floor holds), then order the store's way."""
    rng = np.random.default_rng(seed)
    promos = promotions(first, days, rng)
    history = History(first, days)
    history.sold = np.zeros((len(stocked), days))
    history.demand = np.zeros((len(stocked), days))
    for p, item in enumerate(stocked):
        _product(history, p, item, promos, rng)
    history.events.sort(key=lambda e: (e.day, _ORDER[e.kind]))
    return history


_ORDER = {"expire": 0, "receive": 1, "transfer": 2, "sale": 3}


def _product(
    history: History,
    p: int,
    item: Stocked,
    promos: Sequence[Promotion],
    rng: np.random.Generator,
) -> None:
    lots: list[Lot] = []
    sold_total = 0
    sold_running: list[int] = []  # sold_running[d]: units sold on days 0..d
    pipeline: list[tuple[int, int]] = [(0, max(2, round(item.base_demand * 21)))]
    for d in range(history.days):
        today = history.first + timedelta(days=d)
        for lot in lots:
            if (lot.vault or lot.floor) and today >= lot.expires_on:
                for zone in ("vault", "floor"):
                    if getattr(lot, zone):
                        history.events.append(Event(d, "expire", lot.key, getattr(lot, zone), zone))
                        setattr(lot, zone, 0)
        for _, quantity in [x for x in pipeline if x[0] == d]:
            produced = today - timedelta(days=int(rng.integers(7, 45)))
            shelf = item.shelf_life_days
            lot = Lot(len(history.lots), p, d, produced, produced + timedelta(days=shelf), quantity)
            lot.vault = quantity
            history.lots.append(lot)
            lots.append(lot)
            history.events.append(Event(d, "receive", lot.key, quantity))
        pipeline = [x for x in pipeline if x[0] != d]
        lots = [lot for lot in lots if lot.vault or lot.floor]
        lots.sort(key=lambda lot: (lot.expires_on, lot.key))
        if d >= 7:
            window = min(d, 28)
            start = sold_running[d - window - 1] if d - window >= 1 else 0
            average = (sold_total - start) / window
        else:
            average = item.base_demand
        par = max(2, int(np.ceil(average * FLOOR_DAYS)))
        on_floor = sum(lot.floor for lot in lots)
        # Restocked once the floor is down to about a day of sales, back up to the par.
        refill = on_floor < max(1.0, average)
        for lot in lots:
            if on_floor >= par or not refill:
                break
            moved = min(lot.vault, par - on_floor)
            if moved:
                lot.vault -= moved
                lot.floor += moved
                on_floor += moved
                history.events.append(Event(d, "transfer", lot.key, moved))
        lift, discount = _lift(today, item.category, promos)
        rate = item.base_demand * WEEKDAY_PATTERN[today.weekday()] * lift
        wanted = int(rng.poisson(rate))
        history.demand[p, d] = wanted
        left = wanted
        for lot in lots:
            sells = min(lot.floor, left)
            if sells:
                lot.floor -= sells
                left -= sells
                history.events.append(Event(d, "sale", lot.key, sells, discount=discount))
        history.sold[p, d] = wanted - left
        sold_total += wanted - left
        sold_running.append(sold_total)
        position = sum(lot.vault + lot.floor for lot in lots) + sum(q for _, q in pipeline)
        if position <= average * ORDER_AT_DAYS and not pipeline:
            quantity = int(np.ceil(average * ORDER_UP_TO_DAYS - position))
            if quantity > 0:
                lead = int(rng.integers(4, 10))
                if rng.random() < 0.08:  # the vendor ran short
                    lead += int(rng.integers(8, 18))
                pipeline.append((d + lead, quantity))
