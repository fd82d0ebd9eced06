"""Supply terms: what the suggestions need to know about buying a product at a location.

Purchasing (vendors, their products and purchase orders) owns where these facts live; ordering
reads them through ``supply_terms`` only, so the reorder maths never reaches into vendor tables.
Until a product has a vendor, it is bought on the defaults below: one unit at a time, no
minimum, a week's lead time, nothing on order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import asyncpg

from domain.purchasing import supply

DEFAULT_LEAD_TIME_DAYS = Decimal(7)
_NOTHING = Decimal(0)


@dataclass(frozen=True)
class SupplyTerms:
    """How one product is bought at one location, and what is already coming."""

    product_id: int
    vendor_id: int | None  # None: no vendor carries it yet
    vendor_name: str | None
    case_pack: Decimal  # order in multiples of this (units of the product's unit)
    minimum_order: Decimal  # MOQ in the product's unit; 0 = none
    unit_cost: Decimal | None  # the vendor's last cost
    lead_time_days: Decimal  # learned median, else the vendor's default, else the default
    lead_time_spread_days: Decimal  # learned spread (0 when not learned)
    lead_time_learned: bool
    order_weekdays: tuple[int, ...]  # 0 = Monday; empty: any day
    on_order: Decimal  # open purchase orders' quantities not yet received


def default_terms(product_id: int) -> SupplyTerms:
    return SupplyTerms(
        product_id=product_id,
        vendor_id=None,
        vendor_name=None,
        case_pack=Decimal(1),
        minimum_order=Decimal(0),
        unit_cost=None,
        lead_time_days=DEFAULT_LEAD_TIME_DAYS,
        lead_time_spread_days=Decimal(0),
        lead_time_learned=False,
        order_weekdays=(),
        on_order=Decimal(0),
    )


async def supply_terms(
    conn: asyncpg.Connection, location_id: int, product_ids: Sequence[int]
) -> dict[int, SupplyTerms]:
    """Each product's terms at the location (every id in ``product_ids`` has an entry).

    Read from purchasing (``domain.purchasing.supply``): the preferred vendor, else the one with
    the cheapest last cost; its order days and lead time (learned, else its default); and what
    open purchase orders at the location still expect.
    """
    sources = await supply.sourcing(conn, location_id, product_ids)
    coming = await supply.on_order(conn, location_id, product_ids)
    terms: dict[int, SupplyTerms] = {}
    for product_id in product_ids:
        on_order = coming.get(product_id, _NOTHING)
        source = sources.get(product_id)
        if source is None:
            # No vendor sells it (yet): the defaults, with what was ordered all the same.
            base = default_terms(product_id)
            terms[product_id] = replace(base, on_order=on_order) if on_order else base
            continue
        # Built directly (not the defaults replaced): this runs for every product a
        # suggestion run considers, and dataclasses.replace was most of its cost.
        terms[product_id] = SupplyTerms(
            product_id=product_id,
            vendor_id=source.vendor_id,
            vendor_name=source.vendor_name,
            case_pack=source.case_pack,
            minimum_order=source.minimum_order,
            unit_cost=source.last_cost,
            lead_time_days=source.lead_time.days,
            lead_time_spread_days=source.lead_time.spread_days,
            lead_time_learned=source.lead_time.learned,
            order_weekdays=source.order_weekdays,
            on_order=on_order,
        )
    return terms
