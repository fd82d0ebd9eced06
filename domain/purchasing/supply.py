"""What purchasing tells the reorder suggestions about buying a product at a location
(``domain.ordering.terms.supply_terms`` builds its ``SupplyTerms`` from these two reads).

The vendor to buy from is the preferred one, else the one with the cheapest last cost (a
vendor with no cost yet comes last), else the lowest id so the choice is stable. On order is
what open orders (approved, sent, partly received) at the location still expect: ordered minus
received, per line, never below zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from domain.purchasing import queries
from domain.purchasing.leadtime import LeadTime
from domain.purchasing.model import OPEN_STATUSES


@dataclass(frozen=True)
class Sourcing:
    """The vendor a product is bought from, on its terms."""

    product_id: int
    vendor_id: int
    vendor_name: str
    case_pack: Decimal
    minimum_order: Decimal
    last_cost: Decimal | None
    order_weekdays: tuple[int, ...]
    lead_time: LeadTime


_SOURCES = """
SELECT DISTINCT ON (vp.product) vp.product, v.id AS vendor_id, v.name AS vendor_name,
       vp.case_pack, vp.minimum_order, vp.last_cost, v.order_weekdays, v.default_lead_time_days
FROM vendor_product vp
JOIN vendor v ON v.id = vp.vendor AND v.active
JOIN location l ON l.operator = v.operator
WHERE l.id = $1 AND vp.product = ANY($2::int[])
ORDER BY vp.product, vp.preferred DESC, vp.last_cost ASC NULLS LAST, v.id
"""

_ON_ORDER = """
SELECT l.product, sum(greatest(l.expected_quantity - l.received_quantity, 0)) AS quantity
FROM purchase_order po
JOIN purchase_order_line l ON l.purchase_order = po.id
WHERE po.location = $1 AND po.status = ANY($2::text[]) AND l.product = ANY($3::int[])
GROUP BY l.product
"""


async def sourcing(
    conn: asyncpg.Connection, location_id: int, product_ids: Sequence[int]
) -> dict[int, Sourcing]:
    """Each product's vendor and terms (products no active vendor sells are left out)."""
    rows = await conn.fetch(_SOURCES, location_id, list(product_ids))
    lead = await queries.lead_times(
        conn, {r["vendor_id"]: r["default_lead_time_days"] for r in rows}
    )
    return {
        r["product"]: Sourcing(
            product_id=r["product"],
            vendor_id=r["vendor_id"],
            vendor_name=r["vendor_name"],
            case_pack=r["case_pack"],
            minimum_order=r["minimum_order"],
            last_cost=r["last_cost"],
            order_weekdays=tuple(r["order_weekdays"] or ()),
            lead_time=lead[r["vendor_id"]],
        )
        for r in rows
    }


async def on_order(
    conn: asyncpg.Connection, location_id: int, product_ids: Sequence[int]
) -> dict[int, Decimal]:
    """Quantities open orders at the location still expect, per product (absent: none)."""
    rows = await conn.fetch(
        _ON_ORDER, location_id, sorted(str(s) for s in OPEN_STATUSES), list(product_ids)
    )
    return {r["product"]: r["quantity"] for r in rows}
