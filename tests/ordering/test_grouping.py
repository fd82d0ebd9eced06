"""Suggestions come as one order per vendor and order day: what a buyer sends, when."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import numpy as np

from domain.catalog.model import Category
from domain.ordering import demand, suggestions
from domain.ordering.terms import default_terms

WEDNESDAY = date(2026, 12, 9)


def _row(product_id: int, category: str = "edible") -> dict:
    return {
        "id": product_id,
        "sku": f"SKU-{product_id}",
        "name": f"Product {product_id}",
        "category": category,
        "unit": "each",
        "unit_cost": Decimal("5.0000"),
        "active": True,
        "latest_lab": "passed",
        "recalled": False,
        "sellable_days": None,
    }


def test_lines_are_grouped_by_vendor_and_the_vendors_next_order_day():
    rows = [_row(n) for n in range(1, 6)]
    size = len(rows)
    learned = demand.Demand(
        velocity=np.full(size, 5.0),
        sigma=np.zeros(size),
        weekday_factors=np.ones((size, 7)),
        observed_days=np.full(size, 60),
        stockout_days=np.zeros(size, dtype=np.int64),
    )
    stock = suggestions._Stock(np.zeros(size), np.zeros(size), np.zeros(size), [])
    greenhouse = {"vendor_id": 7, "vendor_name": "Greenhouse Supply"}
    # Greenhouse takes orders on Mondays and Fridays, in cases of 12; Kitchen any day.
    terms = {
        1: dataclasses.replace(
            default_terms(1), **greenhouse, order_weekdays=(0, 4), case_pack=Decimal(12)
        ),
        2: dataclasses.replace(
            default_terms(2), **greenhouse, order_weekdays=(0, 4), case_pack=Decimal(12)
        ),
        3: dataclasses.replace(default_terms(3), vendor_id=9, vendor_name="Kitchen Co."),
        4: dataclasses.replace(
            default_terms(4), vendor_id=9, vendor_name="Kitchen Co.", on_order=Decimal(500)
        ),
        5: default_terms(5),  # no vendor yet
    }
    levels = {c: Decimal("0.95") for c in Category}

    orders, excluded = suggestions._suggest(1, WEDNESDAY, rows, learned, stock, terms, levels)

    assert excluded == []
    grouped = [(o.vendor_id, o.order_on, [line.product_id for line in o.lines]) for o in orders]
    assert grouped == [
        (9, WEDNESDAY, [3]),  # product 4 has enough on order
        (None, WEDNESDAY, [5]),
        (7, date(2026, 12, 11), [1, 2]),  # Friday
    ]
    friday = orders[2]
    assert all(
        line.quantity % 12 == 0 and line.cases * 12 == line.quantity for line in friday.lines
    )
    # Waiting until Friday adds two days to the lead time; Friday to Monday is the review period.
    why = friday.lines[0].why
    assert (why.lead_time_days, why.review_days) == (Decimal("9.000"), 3)
    assert friday.value == sum(line.value for line in friday.lines)
