"""Analytics over the period's flows: margins, turnover and GMROI, sell-through, shrink.

Why it exists: a buyer decides what to reorder, drop or mark down from what each product,
category, brand and vendor earns after landed cost and discounts, how fast stock turns into
sales, and how much of it is lost. Every figure reads the roll-ups (``domain.analytics.rollup``):
whole months from the monthly table and the period's edge days from the daily one, so a
two-year question reads a few thousand rows whatever the ledger holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain import db
from domain.analytics import access
from domain.analytics import report_sql as sql
from domain.analytics.model import ZERO, Period, money, quantity, ratio
from domain.errors import ValidationError
from domain.identity.principal import Principal

DIMENSIONS = ("product", "category", "brand", "vendor")
MAX_LINES = 1000


@dataclass(frozen=True)
class Margin:
    """Net revenue = gross (price × units) − discounts; margin = net revenue − landed cost of
    the units sold. Voids and returns are taken off the day they happen."""

    units_sold: Decimal
    gross_sales: Decimal
    discounts: Decimal
    net_revenue: Decimal
    cost_of_goods_sold: Decimal
    gross_margin: Decimal
    margin_rate: Decimal | None


def margin(sold: Decimal, gross: Decimal, discount: Decimal, cogs: Decimal) -> Margin:
    net = gross - discount
    return Margin(
        units_sold=quantity(sold),
        gross_sales=money(gross),
        discounts=money(discount),
        net_revenue=money(net),
        cost_of_goods_sold=money(cogs),
        gross_margin=money(net - cogs),
        margin_rate=ratio(net - cogs, net),
    )


@dataclass(frozen=True)
class MarginLine:
    key: str
    label: str
    margin: Margin


@dataclass(frozen=True)
class MarginReport:
    location_ids: tuple[int, ...]
    first: date
    last: date
    by: str
    total: Margin
    lines: tuple[MarginLine, ...]  # by net revenue, largest first (the first ``first``)
    line_count: int


def _bounds(p: Period) -> tuple[date, date, date, date]:
    # Tomorrow in UTC is on or after every store's local today: no rows lie beyond it.
    start, end = p.reads(datetime.now(UTC).date() + timedelta(days=1))
    return start, end, p.first, p.last


async def _fetch(query: str, *args: Any) -> list[Any]:
    async with db.transaction(), db.connection() as conn:
        # The planner's JIT would compile for longer than these queries run; and a generic plan
        # (what a prepared statement falls back to after five runs) cannot see which days the
        # period's edges are, so it scans the whole span of the daily roll-up: plan each run.
        await conn.execute("SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan")
        return list(await conn.fetch(query, *args))


async def margins(
    principal: Principal,
    location_ids: Sequence[int] | None,
    first: date,
    last: date,
    by: str,
    limit: int = 100,
) -> MarginReport:
    """Margins over a period by product, category, brand or vendor (the package's shipper)."""
    if by not in DIMENSIONS:
        raise ValidationError("by", f"one of {', '.join(DIMENSIONS)}")
    if not 1 <= limit <= MAX_LINES:
        raise ValidationError("first", f"1 to {MAX_LINES}")
    locations = access.scope(principal, location_ids)
    p = access.period(first, last)
    rows = await _fetch(sql.MARGINS[by], list(locations), *_bounds(p))
    lines = sorted(
        (
            MarginLine(
                r["key"], r["label"], margin(r["sold_qty"], r["gross"], r["discount"], r["cogs"])
            )
            for r in rows
        ),
        key=lambda x: (-x.margin.net_revenue, x.key),
    )
    total = margin(
        sum((r["sold_qty"] for r in rows), ZERO),
        sum((r["gross"] for r in rows), ZERO),
        sum((r["discount"] for r in rows), ZERO),
        sum((r["cogs"] for r in rows), ZERO),
    )
    return MarginReport(locations, first, last, by, total, tuple(lines[:limit]), len(lines))


@dataclass(frozen=True)
class Turnover:
    """Over ``days`` (the period up to today): average inventory = the mean of each day's
    closing stock at landed cost; turnover = cost of goods sold / average inventory; days on
    hand = average inventory / cost of goods sold per day; GMROI = gross margin / average
    inventory."""

    net_revenue: Decimal
    cost_of_goods_sold: Decimal
    gross_margin: Decimal
    average_inventory_value: Decimal
    turnover: Decimal | None
    days_on_hand: Decimal | None
    gmroi: Decimal | None


def turnover(net: Decimal, cogs: Decimal, value_days: Decimal, days: int) -> Turnover:
    average = value_days / days if days > 0 else ZERO
    return Turnover(
        net_revenue=money(net),
        cost_of_goods_sold=money(cogs),
        gross_margin=money(net - cogs),
        average_inventory_value=money(average),
        turnover=ratio(cogs, average),
        days_on_hand=None if cogs <= 0 else (average * days / cogs).quantize(Decimal("0.1")),
        gmroi=ratio(net - cogs, average),
    )


@dataclass(frozen=True)
class TurnoverLine:
    key: str  # a location id, or a category
    figures: Turnover


@dataclass(frozen=True)
class TurnoverReport:
    location_ids: tuple[int, ...]
    first: date
    last: date
    days: int
    total: Turnover
    by_location: tuple[TurnoverLine, ...]
    by_category: tuple[TurnoverLine, ...]


def _clip(p: Period, today: date) -> Period:
    """The period's days up to today (stock has no closing figure for days not yet over)."""
    return Period(p.first, max(p.first, min(p.last, today)))


async def inventory_turnover(
    principal: Principal, location_ids: Sequence[int] | None, first: date, last: date
) -> TurnoverReport:
    """Turnover, days on hand and GMROI per location, per category and in total."""
    locations = access.scope(principal, location_ids)
    p = access.period(first, last)
    zones = await _fetch("SELECT timezone FROM location WHERE id = ANY($1::int[])", list(locations))
    now = datetime.now(UTC)
    counted = _clip(p, max(now.astimezone(ZoneInfo(r["timezone"])).date() for r in zones))
    sales = await _fetch(sql.BY_LOCATION_CATEGORY, list(locations), *_bounds(p))
    stock = await _fetch(sql.INVENTORY_DAYS, list(locations), counted.first, counted.last)
    cells: dict[tuple[int, str], list[Decimal]] = {}
    for r in sales:
        cell = cells.setdefault((r["location"], r["category"]), [ZERO, ZERO, ZERO])
        cell[0] += r["gross"] - r["discount"]
        cell[1] += r["cogs"]
    for r in stock:
        cells.setdefault((r["location"], r["category"]), [ZERO, ZERO, ZERO])[2] += r["value_days"]

    def summed(keep: Any) -> Turnover:
        chosen = [v for k, v in cells.items() if keep(k)]
        return turnover(
            sum((c[0] for c in chosen), ZERO),
            sum((c[1] for c in chosen), ZERO),
            sum((c[2] for c in chosen), ZERO),
            counted.days,
        )

    categories = sorted({k[1] for k in cells})
    return TurnoverReport(
        location_ids=locations,
        first=first,
        last=last,
        days=counted.days,
        total=summed(lambda k: True),
        by_location=tuple(
            TurnoverLine(str(loc), summed(lambda k, loc=loc: k[0] == loc)) for loc in locations
        ),
        by_category=tuple(
            TurnoverLine(cat, summed(lambda k, cat=cat: k[1] == cat)) for cat in categories
        ),
    )


@dataclass(frozen=True)
class BatchSellThrough:
    batch_id: int
    batch_number: str
    product: str
    received: Decimal
    sold: Decimal
    sell_through: Decimal | None  # sold / received


async def sell_through(
    principal: Principal,
    location_ids: Sequence[int] | None,
    first: date,
    last: date,
    limit: int = 100,
) -> tuple[BatchSellThrough, ...]:
    """Per batch first received in the period: units sold to date / units received to date
    (at the locations asked), slowest sellers first."""
    if not 1 <= limit <= MAX_LINES:
        raise ValidationError("first", f"1 to {MAX_LINES}")
    locations = access.scope(principal, location_ids)
    p = access.period(first, last)
    rows = await _fetch(sql.SELL_THROUGH, list(locations), p.first, p.last, limit)
    lines = [
        BatchSellThrough(
            r["batch"],
            r["batch_number"],
            r["product"],
            quantity(r["received"]),
            quantity(r["sold"]),
            ratio(r["sold"], r["received"]),
        )
        for r in rows
    ]
    return tuple(lines)


@dataclass(frozen=True)
class ShrinkLine:
    """Loss at cost (write-offs and destructions less write-ons, as the shrinkage report
    counts it) against cost of goods sold and net revenue."""

    location_id: int | None  # None: all the locations asked
    loss_value: Decimal
    known_loss_value: Decimal
    unknown_loss_value: Decimal
    cost_of_goods_sold: Decimal
    net_revenue: Decimal
    rate_of_cost_of_sales: Decimal | None
    rate_of_revenue: Decimal | None


def shrink_line(location_id: int | None, rows: Sequence[Any]) -> ShrinkLine:
    loss = sum((r["loss_value"] for r in rows), ZERO)
    known = sum((r["known_loss_value"] for r in rows), ZERO)
    cogs = sum((r["cogs"] for r in rows), ZERO)
    net = sum((r["gross"] - r["discount"] for r in rows), ZERO)
    return ShrinkLine(
        location_id,
        money(loss),
        money(known),
        money(loss - known),
        money(cogs),
        money(net),
        ratio(loss, cogs),
        ratio(loss, net),
    )


async def shrinkage_rate(
    principal: Principal, location_ids: Sequence[int] | None, first: date, last: date
) -> tuple[ShrinkLine, ...]:
    """Shrink per location and for all of them (the last line)."""
    locations = access.scope(principal, location_ids)
    p = access.period(first, last)
    rows = await _fetch(sql.BY_LOCATION_CATEGORY, list(locations), *_bounds(p))
    lines = [shrink_line(loc, [r for r in rows if r["location"] == loc]) for loc in locations]
    return (*lines, shrink_line(None, rows))
