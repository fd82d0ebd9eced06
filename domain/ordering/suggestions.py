"""Reorder suggestions: what to order, from whom, on which day, and why.

Why it exists: restocked products run out about one selling day in five while cash sits in slow,
expiring stock. This reads the last weeks of a location's ledger (sales, and when the sales floor
was empty), estimates each product's censored demand (``demand``), plans against the vendor's
terms (``terms.supply_terms``: case pack, minimum, lead time, order days, what is on order) and
the category's service level (``policy``), and groups what to order by vendor and order day.
Each line carries its reasons, so a buyer can check it rather than trust it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg
import numpy as np

from domain import db
from domain.catalog.model import SELLABLE_LAB_STATUSES, Category, LabStatus
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.inventory.model import PackageStatus
from domain.ordering import demand, policy, reorder
from domain.ordering import suggestions_sql as sql
from domain.ordering.terms import SupplyTerms, supply_terms
from domain.roles import Capability

WINDOW_DAYS = 91
MIN_WINDOW, MAX_WINDOW = 14, 182
MAX_LOCATIONS = 50
ON_HAND_ZONES = ("vault", "sales_floor", "reserved")
RECENT_DELIVERIES = timedelta(days=365)
QUANTITY = Decimal("0.001")
MONEY = Decimal("0.01")


@dataclass(frozen=True)
class Explanation:
    demand_per_day: Decimal  # over the days the order must cover, weekday-adjusted
    weekday_factor: Decimal  # those days' average weekday factor (1 = an average day)
    days_observed: int  # days the demand was learned from
    stockout_days: int  # days left out because the floor was empty or ran out
    lead_time_days: Decimal  # the vendor's lead time, plus the days until its order day
    lead_time_spread_days: Decimal
    lead_time_learned: bool
    review_days: int  # until the next order to this vendor could be placed
    service_level: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    order_up_to: Decimal
    on_hand: Decimal  # sellable stock in the vault, on the floor and set aside for orders
    on_order: Decimal
    reserved: Decimal
    expiring_soon: Decimal  # on hand that will pass its date before it sells
    position: Decimal  # on hand − reserved − expiring soon + on order
    sellable_days: int | None  # days a delivery has before its date (None: undated)
    expiry_cap: Decimal | None  # the most that sells before that date
    bound: reorder.Bound


@dataclass(frozen=True)
class Suggestion:
    product_id: int
    sku: str
    name: str
    category: Category
    unit: str
    quantity: Decimal
    case_pack: Decimal
    cases: int
    minimum_order: Decimal
    unit_cost: Decimal | None
    value: Decimal | None
    why: Explanation


@dataclass(frozen=True)
class VendorOrder:
    location_id: int
    vendor_id: int | None  # None: products no vendor carries yet
    vendor_name: str | None
    order_on: date
    lines: tuple[Suggestion, ...]
    value: Decimal


@dataclass(frozen=True)
class Excluded:
    location_id: int
    product_id: int
    sku: str
    name: str
    reason: str  # recalled | failed_lab | discontinued


@dataclass(frozen=True)
class ReorderSuggestions:
    orders: tuple[VendorOrder, ...]
    excluded: tuple[Excluded, ...]


def _quantity(value: float) -> Decimal:
    return Decimal(repr(round(float(value), 3))).quantize(QUANTITY)


async def reorder_suggestions(
    principal: Principal, location_ids: Sequence[int], *, window_days: int = WINDOW_DAYS
) -> ReorderSuggestions:
    """Suggestions for each location asked (every one must be the caller's to plan for)."""
    locations = sorted(set(location_ids))
    if not 1 <= len(locations) <= MAX_LOCATIONS:
        raise ValidationError("locationIds", f"name 1 to {MAX_LOCATIONS} locations")
    if not MIN_WINDOW <= window_days <= MAX_WINDOW:
        raise ValidationError("historyDays", f"between {MIN_WINDOW} and {MAX_WINDOW} days")
    for location_id in locations:
        principal.require(Capability.PLAN_ORDERS, location_id)
    orders: list[VendorOrder] = []
    excluded: list[Excluded] = []
    async with db.transaction(), db.connection() as conn:
        await conn.execute("SET LOCAL jit = off")
        await conn.execute(sql.WORK_MEM)
        for location_id in locations:
            found_orders, found_excluded = await _location(conn, location_id, window_days)
            orders.extend(found_orders)
            excluded.extend(found_excluded)
    return ReorderSuggestions(tuple(orders), tuple(excluded))


@dataclass
class _Stock:
    floor: np.ndarray
    on_hand: np.ndarray
    reserved: np.ndarray
    lots: list[tuple[int, float, float]]  # (product index, quantity, days left)


def _stock(rows: Sequence[asyncpg.Record], index: dict[int, int], today: date) -> _Stock:
    size = len(index)
    stock = _Stock(np.zeros(size), np.zeros(size), np.zeros(size), [])
    for r in rows:
        p = index[r["product"]]
        quantity = float(r["quantity"])
        if r["kind"] == "sales_floor":
            stock.floor[p] += quantity
        good_until = r["good_until"]
        sellable = (
            r["status"] == PackageStatus.ACTIVE
            and r["lab_status"] in SELLABLE_LAB_STATUSES
            and (good_until is None or good_until >= today)
            and r["kind"] in ON_HAND_ZONES
        )
        if not sellable:
            continue
        stock.on_hand[p] += quantity
        if r["kind"] == "reserved":
            stock.reserved[p] += quantity
        if good_until is not None:
            stock.lots.append((p, quantity, float((good_until - today).days + 1)))
    return stock


def _exclusion(row: asyncpg.Record) -> str | None:
    if row["recalled"]:
        return "recalled"
    if row["latest_lab"] == LabStatus.FAILED:
        return "failed_lab"
    if not row["active"]:
        return "discontinued"
    return None


async def _location(
    conn: asyncpg.Connection, location_id: int, window: int
) -> tuple[list[VendorOrder], list[Excluded]]:
    location = await conn.fetchrow(sql.LOCATION, location_id)
    if location is None:
        raise NotFound("location", str(location_id))
    tz, today = location["timezone"], location["local_today"]
    first = today - timedelta(days=window - 1)
    since = datetime.combine(first, time(), tzinfo=ZoneInfo(tz))
    floor_zones = [r["id"] for r in await conn.fetch(sql.FLOOR_ZONES, location_id)]
    history = await conn.fetch(sql.HISTORY, location_id, tz, since, floor_zones, first)
    stock_rows = await conn.fetch(sql.STOCK, location_id)
    candidates = sorted({r["product"] for r in history} | {r["product"] for r in stock_rows})
    products = await conn.fetch(
        sql.PRODUCTS,
        candidates,
        location_id,
        tz,
        since - RECENT_DELIVERIES + timedelta(days=window),
        location["operator"],
    )
    if not products:
        return [], []
    index = {r["id"]: i for i, r in enumerate(products)}
    sales = np.zeros((len(products), window))
    deltas = np.zeros((len(products), window))
    for r in history:
        p = index.get(r["product"])
        if p is not None:
            sales[p, r["days"]] = r["sold"]
            deltas[p, r["days"]] = r["floor_delta"]
    stock = _stock([r for r in stock_rows if r["product"] in index], index, today)
    _, closing = demand.floor_levels(stock.floor, deltas)
    weekdays = np.array([(first + timedelta(days=d)).weekday() for d in range(window)])
    # Today is not over: it tells what the floor holds, not what the day will sell.
    learned = demand.estimate(sales[:, :-1], demand.available_days(closing)[:, :-1], weekdays[:-1])
    terms = await supply_terms(conn, location_id, [r["id"] for r in products])
    levels = await policy.levels(conn, location_id)
    return _suggest(location_id, today, products, learned, stock, terms, levels)


def _suggest(
    location_id: int,
    today: date,
    products: Sequence[asyncpg.Record],
    learned: demand.Demand,
    stock: _Stock,
    terms: dict[int, SupplyTerms],
    levels: dict[Category, Decimal],
) -> tuple[list[VendorOrder], list[Excluded]]:
    size = len(products)
    product_terms = [terms[r["id"]] for r in products]
    waits = [reorder.days_to_next_order(t.order_weekdays, today.weekday()) for t in product_terms]
    reviews = [
        reorder.review_days(t.order_weekdays, (today.weekday() + w) % 7)
        for t, w in zip(product_terms, waits, strict=True)
    ]
    service = [levels[Category(r["category"])] for r in products]
    lots = stock.lots
    expiring = reorder.expiring_unsold(
        np.array([lot[0] for lot in lots], dtype=np.int64),
        np.array([lot[1] for lot in lots]),
        np.array([lot[2] for lot in lots]),
        learned.velocity,
    )
    needs = reorder.Needs(
        velocity=learned.velocity,
        sigma=learned.sigma,
        weekday_factors=learned.weekday_factors,
        lead_time=np.array(
            [float(t.lead_time_days) + w for t, w in zip(product_terms, waits, strict=True)]
        ),
        lead_time_spread=np.array([float(t.lead_time_spread_days) for t in product_terms]),
        review_days=np.array(reviews, dtype=np.float64),
        z=np.array([reorder.z_score(float(level)) for level in service]),
        on_hand=stock.on_hand,
        reserved=stock.reserved,
        expiring=expiring,
        on_order=np.array([float(t.on_order) for t in product_terms]),
        case_pack=np.array([float(t.case_pack) for t in product_terms]),
        minimum_order=np.array([float(t.minimum_order) for t in product_terms]),
        sellable_days=np.array(
            [
                float(r["sellable_days"]) if r["sellable_days"] is not None else np.nan
                for r in products
            ]
        ),
    )
    planned = reorder.plan(needs, (today.weekday() + 1) % 7)
    groups: dict[tuple[int | None, date], list[Suggestion]] = {}
    names: dict[int | None, str | None] = {}
    excluded = []
    for i in range(size):
        row, term = products[i], product_terms[i]
        reason = _exclusion(row)
        if reason is not None:
            excluded.append(Excluded(location_id, row["id"], row["sku"], row["name"], reason))
            continue
        if planned.quantity[i] <= 0:
            continue
        quantity = _quantity(planned.quantity[i])
        cost = term.unit_cost if term.unit_cost is not None else row["unit_cost"]
        sellable = row["sellable_days"]
        why = Explanation(
            demand_per_day=_quantity(planned.demand_per_day[i]),
            weekday_factor=Decimal(repr(round(float(planned.weekday_factor[i]), 3))),
            days_observed=int(learned.observed_days[i]),
            stockout_days=int(learned.stockout_days[i]),
            lead_time_days=_quantity(needs.lead_time[i]),
            lead_time_spread_days=term.lead_time_spread_days,
            lead_time_learned=term.lead_time_learned,
            review_days=reviews[i],
            service_level=service[i],
            safety_stock=_quantity(planned.safety_stock[i]),
            reorder_point=_quantity(planned.reorder_point[i]),
            order_up_to=_quantity(planned.order_up_to[i]),
            on_hand=_quantity(stock.on_hand[i]),
            on_order=term.on_order,
            reserved=_quantity(stock.reserved[i]),
            expiring_soon=_quantity(expiring[i]),
            position=_quantity(planned.position[i]),
            sellable_days=int(sellable) if sellable is not None else None,
            expiry_cap=(
                _quantity(planned.expiry_cap[i]) if np.isfinite(planned.expiry_cap[i]) else None
            ),
            bound=planned.bound[i],
        )
        case = term.case_pack if term.case_pack > 0 else Decimal(1)
        line = Suggestion(
            product_id=row["id"],
            sku=row["sku"],
            name=row["name"],
            category=Category(row["category"]),
            unit=row["unit"],
            quantity=quantity,
            case_pack=term.case_pack,
            cases=int((quantity / case).to_integral_value()),
            minimum_order=term.minimum_order,
            unit_cost=cost,
            value=(cost * quantity).quantize(MONEY) if cost is not None else None,
            why=why,
        )
        order_on = today + timedelta(days=waits[i])
        groups.setdefault((term.vendor_id, order_on), []).append(line)
        names[term.vendor_id] = term.vendor_name
    orders = [
        VendorOrder(
            location_id=location_id,
            vendor_id=vendor_id,
            vendor_name=names[vendor_id],
            order_on=order_on,
            lines=tuple(sorted(lines, key=lambda s: (s.category, s.sku))),
            value=sum((s.value or Decimal(0) for s in lines), Decimal(0)),
        )
        for (vendor_id, order_on), lines in sorted(
            groups.items(), key=lambda g: (g[0][1], g[0][0] is None, g[0][0] or 0)
        )
    ]
    return orders, excluded
