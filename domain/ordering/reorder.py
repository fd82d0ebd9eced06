"""Reorder points, order-up-to levels and the quantity to order (pure numpy, per product).

For each product: the demand expected over the lead time plus the review period (the days until
the next chance to order after this one), weekday-adjusted for the days it covers; safety stock
for the service level, covering both the day-to-day spread of demand and the spread of the lead
time; the order-up-to level one review period of demand above the reorder point. A product whose
inventory position (on hand − reserved − what will expire unsold + on order) is below its reorder
point is ordered up to that level, rounded up to whole case packs and at least the vendor's
minimum, then capped so the store will not hold more than sells before the new stock's sell-by
date (a cap that wins over the rounding: never order stock to throw away).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from domain.ordering.demand import FloatArray, IntArray

MIN_SERVICE_LEVEL, MAX_SERVICE_LEVEL = 0.5, 0.999


class Bound(enum.StrEnum):
    """What decided the quantity."""

    NOTHING_NEEDED = "nothing_needed"  # the position is at or above the reorder point
    ORDER_UP_TO = "order_up_to"  # exactly the gap to the order-up-to level
    CASE_PACK = "case_pack"  # rounded up to whole cases
    MINIMUM_ORDER = "minimum_order"  # raised to the vendor's minimum
    EXPIRY = "expiry"  # cut so the stock sells before its sell-by date


def z_score(service_level: float) -> float:
    """The standard normal quantile for a cycle service level (0.95 → 1.645)."""
    level = min(max(service_level, MIN_SERVICE_LEVEL), MAX_SERVICE_LEVEL)
    return NormalDist().inv_cdf(level)


@dataclass(frozen=True)
class Needs:
    """Per-product inputs (arrays of one length)."""

    velocity: FloatArray
    sigma: FloatArray
    weekday_factors: FloatArray  # (products, 7)
    lead_time: FloatArray  # days
    lead_time_spread: FloatArray  # days (standard deviation)
    review_days: FloatArray  # days until the order after this one could arrive
    z: FloatArray
    on_hand: FloatArray
    reserved: FloatArray
    expiring: FloatArray  # on hand that will pass its date before it can sell
    on_order: FloatArray
    case_pack: FloatArray
    minimum_order: FloatArray
    sellable_days: FloatArray  # days a delivery has before its sell-by date; nan: no cap


@dataclass(frozen=True)
class Plan:
    demand_per_day: FloatArray  # over the protection period, weekday-adjusted
    weekday_factor: FloatArray  # the average weekday factor over that period
    safety_stock: FloatArray
    reorder_point: FloatArray
    order_up_to: FloatArray
    position: FloatArray
    expiry_cap: FloatArray  # inf when there is no cap
    quantity: FloatArray
    bound: list[Bound]


def horizon_factor(factors: FloatArray, first_weekday: int, days: FloatArray) -> FloatArray:
    """Average weekday factor over the ``days`` days starting on ``first_weekday`` (fractional
    days count their share)."""
    products = factors.shape[0]
    longest = int(np.ceil(days.max())) if products else 0
    if longest <= 0:
        return np.ones(products)
    order = (first_weekday + np.arange(longest)) % 7
    cumulative = np.concatenate([np.zeros((products, 1)), np.cumsum(factors[:, order], axis=1)], 1)
    whole = np.floor(days).astype(np.int64)
    part = days - whole
    rows = np.arange(products)
    upto = cumulative[rows, whole]
    nxt = cumulative[rows, np.minimum(whole + 1, longest)]
    total = upto + part * (nxt - upto)
    return np.divide(total, days, out=np.ones(products), where=days > 0)


def plan(needs: Needs, first_weekday: int) -> Plan:
    """Reorder point, order-up-to level and quantity for every product (see the module doc)."""
    protection = needs.lead_time + needs.review_days
    factor = horizon_factor(needs.weekday_factors, first_weekday, protection)
    daily = needs.velocity * factor
    safety = needs.z * np.sqrt(protection * needs.sigma**2 + daily**2 * needs.lead_time_spread**2)
    safety = np.where(needs.velocity > 0, safety, 0.0)
    reorder_point = daily * protection + safety
    order_up_to = reorder_point + daily * needs.review_days
    position = needs.on_hand - needs.reserved - needs.expiring + needs.on_order
    wanted = np.where((position < reorder_point) & (daily > 0), order_up_to - position, 0.0)
    wanted = np.maximum(wanted, 0.0)

    case = np.where(needs.case_pack > 0, needs.case_pack, 1.0)
    cases = np.ceil(np.round(wanted / case, 9))
    rounded = cases * case
    minimum_cases = np.ceil(np.round(needs.minimum_order / case, 9))
    with_minimum = np.where(wanted > 0, np.maximum(rounded, minimum_cases * case), 0.0)

    cap = np.where(
        np.isnan(needs.sellable_days),
        np.inf,
        np.maximum(daily * (needs.lead_time + np.nan_to_num(needs.sellable_days)) - position, 0.0),
    )
    capped_cases = np.floor(np.round(np.minimum(cap, with_minimum) / case, 9))
    capped = capped_cases * case
    capped = np.where(capped < needs.minimum_order, 0.0, capped)
    quantity = np.where(with_minimum > cap, capped, with_minimum)

    bound = []
    for i in range(len(quantity)):
        if wanted[i] <= 0:
            bound.append(Bound.NOTHING_NEEDED)
        elif with_minimum[i] > cap[i]:
            bound.append(Bound.EXPIRY)
        elif with_minimum[i] > rounded[i]:
            bound.append(Bound.MINIMUM_ORDER)
        elif rounded[i] > wanted[i] + 1e-9:
            bound.append(Bound.CASE_PACK)
        else:
            bound.append(Bound.ORDER_UP_TO)
    return Plan(
        demand_per_day=daily,
        weekday_factor=factor,
        safety_stock=safety,
        reorder_point=reorder_point,
        order_up_to=order_up_to,
        position=position,
        expiry_cap=cap,
        quantity=quantity,
        bound=bound,
    )


def expiring_unsold(
    product_index: IntArray, quantity: FloatArray, days_left: FloatArray, daily: FloatArray
) -> FloatArray:
    """Per product, the stock on hand that will pass its date before it sells.

    Lots are sold first-expiring first: a lot sells what demand remains after the earlier lots,
    up to its own date. ``product_index``/``quantity``/``days_left`` describe the lots (one entry
    each, any order); ``daily`` is each product's demand per day.
    """
    wasted = np.zeros(len(daily))
    order = np.lexsort((days_left, product_index))
    sold_before: dict[int, float] = {}
    for i in order:
        p = int(product_index[i])
        already = sold_before.get(p, 0.0)
        held = float(quantity[i])
        can_sell = max(float(daily[p]) * max(float(days_left[i]), 0.0) - already, 0.0)
        sells = min(held, can_sell)
        sold_before[p] = already + sells
        wasted[p] += held - sells
    return wasted


def review_days(order_weekdays: tuple[int, ...], order_day_weekday: int) -> int:
    """Days from this order day to the next one (1 when any day will do)."""
    if not order_weekdays:
        return 1
    for gap in range(1, 8):
        if (order_day_weekday + gap) % 7 in order_weekdays:
            return gap
    return 7


def days_to_next_order(order_weekdays: tuple[int, ...], today_weekday: int) -> int:
    """0 when the vendor takes orders today (or any day), else the days until it does."""
    if not order_weekdays:
        return 0
    for gap in range(7):
        if (today_weekday + gap) % 7 in order_weekdays:
            return gap
    return 0
