"""The demo stores' past year (and four weeks before it, for a backtest to warm up on).

Each store's products get a plausible daily demand (cheaper things sell more, bulk flower and
wax by the gram), simulated by ``domain.demo.history`` and written by
``domain.demo.history_copy`` in the load's own transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, timedelta
from random import Random

from domain import db
from domain.catalog.model import Category
from domain.demo.catalogue import CatalogueItem
from domain.demo.history import Stocked, simulate
from domain.demo.history_copy import HistoryStore, ProductFacts, write
from domain.demo.sites import SITES
from domain.sales.limits import facts_of

HISTORY_DAYS = 365 + 28
# Units a day on an average weekday, by category (grams for products sold by weight).
_BASE = {
    Category.FLOWER: 2.0,
    Category.PRE_ROLL: 3.0,
    Category.VAPE: 1.8,
    Category.CONCENTRATE: 0.9,
    Category.EDIBLE: 2.2,
    Category.BEVERAGE: 1.5,
    Category.TINCTURE: 0.4,
    Category.TOPICAL: 0.3,
}


def stocked_items(rng: Random, items: Sequence[CatalogueItem]) -> list[Stocked]:
    """A demand for each item (product ids filled in by the caller)."""
    chosen = []
    for item in items:
        base = _BASE.get(item.product.category, 0.5) * rng.lognormvariate(0, 0.6)
        if str(item.product.unit) == "grams":
            base *= 12
        chosen.append(
            Stocked(0, round(base, 3), item.format.shelf_life_days, str(item.product.category))
        )
    return chosen


async def load_past(
    catalogue: Sequence[CatalogueItem],
    stocked_at: dict[str, set[str]],
    product_ids: dict[str, int],
    stores: dict[str, HistoryStore],
    today: date,
    seed: int,
) -> None:
    """Simulate and write each store's history, ending yesterday."""
    rng = Random(seed)
    first = today - timedelta(days=HISTORY_DAYS)
    for n, site in enumerate(SITES):
        items = [item for item in catalogue if item.sku in stocked_at.get(site.code, set())]
        stocked = [
            dataclasses.replace(s, product_id=product_ids[item.sku])
            for s, item in zip(stocked_items(rng, items), items, strict=True)
        ]
        facts = {
            product_ids[item.sku]: ProductFacts(
                unit=str(item.product.unit),
                price=item.product.price,
                unit_cost=item.product.unit_cost,
                limit_facts=facts_of(dataclasses.asdict(item.product)),
                batch_prefix=item.brand.code,
            )
            for item in items
        }
        history = simulate(stocked, first, HISTORY_DAYS, seed + n)
        async with db.connection() as conn:
            await write(conn, stores[site.code], stocked, facts, history, seed + n)
