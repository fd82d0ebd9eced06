"""The shrinkage report: losses by cause, zone, category, product, person and week.

Why it exists: an inspector asks "what did you lose, and do you know why?". Every write-off
carries a reason from the taxonomy, so loss splits into known loss (samples, lab testing,
packaging, waste) that has its own paper trail, and unknown loss (count shortfalls, theft, entry
errors, anything else) that is the diversion question. Amounts are net of write-ons with the same
cause (a recount that found stock offsets the shortfall it corrects), in units (items sold by
the each), grams and cost value, and against cost of goods sold over the same period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import asyncpg

from domain import db
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.inventory.model import AdjustmentReason
from domain.roles import Capability
from domain.shrinkage import report_sql as sql
from domain.shrinkage import rollup

KNOWN_CAUSES = frozenset(
    {
        AdjustmentReason.SAMPLE,
        AdjustmentReason.QA_TESTING,
        AdjustmentReason.PACKAGING_WASTE,
        AdjustmentReason.DAMAGE,
        AdjustmentReason.EXPIRED,
        AdjustmentReason.DESTRUCTION,
    }
)
MAX_PERIOD = timedelta(days=400)
# Days outside these hold no movements, and near date.max the arithmetic would overflow.
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
MAX_LOCATIONS = 50
ZERO = Decimal(0)
QUANTITY = Decimal("0.001")
VALUE = Decimal("0.0001")


def is_known(cause: str) -> bool:
    """Known loss has a workflow and its own record; everything else is unexplained."""
    return cause in KNOWN_CAUSES


def rate(loss: Decimal, sales: Decimal) -> Decimal | None:
    """Loss as a share of cost of goods sold (None when nothing was sold)."""
    return None if sales <= 0 else (loss / sales).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Amount:
    units: Decimal
    grams: Decimal
    value: Decimal
    movements: int


@dataclass(frozen=True)
class ShrinkageLine:
    key: str
    label: str
    amount: Amount
    known: bool | None  # by cause only


@dataclass(frozen=True)
class WeekTrend:
    week: date
    known_value: Decimal
    unknown_value: Decimal
    sales_value: Decimal
    rate: Decimal | None


@dataclass(frozen=True)
class ShrinkageReport:
    location_ids: tuple[int, ...]
    first: date
    last: date
    known: Amount
    unknown: Amount
    sales: Amount
    rate_of_sales: Decimal | None
    known_rate: Decimal | None
    unknown_rate: Decimal | None
    by_cause: tuple[ShrinkageLine, ...]
    by_zone: tuple[ShrinkageLine, ...]
    by_category: tuple[ShrinkageLine, ...]
    by_product: tuple[ShrinkageLine, ...]
    by_person: tuple[ShrinkageLine, ...]
    weekly: tuple[WeekTrend, ...]


def _amount(rows: Sequence[Amount]) -> Amount:
    return Amount(
        sum((r.units for r in rows), ZERO),
        sum((r.grams for r in rows), ZERO),
        sum((r.value for r in rows), ZERO),
        sum(r.movements for r in rows),
    )


def _row_amount(r: dict) -> Amount:
    """Rolled-up and live rows alike: quantities to 3 places, values to 4 (the roll-up's)."""
    return Amount(
        (r["units"] or ZERO).quantize(QUANTITY),
        (r["grams"] or ZERO).quantize(QUANTITY),
        (r["value"] or ZERO).quantize(VALUE),
        r["movements"],
    )


def _window(row: asyncpg.Record, first: date, last: date) -> tuple:
    """A location's id, timezone, first day not rolled up, and the ledger's part of the days
    asked (local midnights; empty when every day asked is rolled up)."""
    tz = ZoneInfo(row["timezone"])
    through = row["through"] or first
    live_from = max(first, through)
    end = last + timedelta(days=1)
    return (
        row["id"],
        row["timezone"],
        through,
        rollup.midnight(live_from, tz),
        rollup.midnight(max(end, live_from), tz),
    )


async def shrinkage_report(
    principal: Principal, location_ids: Sequence[int], first: date, last: date
) -> ShrinkageReport:
    """The report for ``location_ids`` over the local days ``first`` to ``last`` (inclusive),
    each a location the caller may see. Days a location has rolled up are read from
    ``shrinkage_day``, the rest (today) from the ledger."""
    locations = tuple(sorted(set(location_ids)))
    if not 1 <= len(locations) <= MAX_LOCATIONS:
        raise ValidationError("locationIds", f"name 1 to {MAX_LOCATIONS} locations")
    if not (EARLIEST <= first <= last <= LATEST and last < first + MAX_PERIOD):
        raise ValidationError("to", "must be on or after from, at most 400 days later")
    for loc in locations:
        principal.require(Capability.READ_DIVERSION, loc)
    async with db.transaction(), db.connection() as conn:
        # A year's plan looks expensive to the planner, whose JIT then compiles for seconds a
        # query that runs in milliseconds.
        await conn.execute("SET LOCAL jit = off")
        windows = [_window(r, first, last) for r in await conn.fetch(sql.WINDOWS, list(locations))]
        rows = [
            dict(r)
            for r in await conn.fetch(
                sql.REPORT, first, last, *(list(column) for column in zip(*windows, strict=True))
            )
        ]
        labels = await _labels(conn, [r for r in rows if r["kind"] == "loss"])
    lines: dict[str, list[ShrinkageLine]] = {d: [] for d in sql.DIMENSION.values()}
    weeks: dict[date, dict[str, Decimal]] = {}
    sales: list[Amount] = []
    for r in rows:
        amount = _row_amount(r)
        if r["grouping"] == sql.WEEK_CAUSE:
            week = weeks.setdefault(r["week"], {"known": ZERO, "unknown": ZERO, "sales": ZERO})
            if r["kind"] == "sale":
                week["sales"] += amount.value
                sales.append(amount)
            else:
                week["known" if is_known(r["cause"]) else "unknown"] += amount.value
            continue
        dimension = sql.DIMENSION.get(r["grouping"])
        if dimension is None or r["kind"] != "loss":
            continue
        key = str(r["actor" if dimension == "person" else dimension])
        known = is_known(key) if dimension == "cause" else None
        lines[dimension].append(
            ShrinkageLine(key, labels.get((dimension, key), key), amount, known)
        )
    known = _amount([line.amount for line in lines["cause"] if line.known])
    unknown = _amount([line.amount for line in lines["cause"] if not line.known])
    sold = _amount(sales)
    weekly = tuple(
        WeekTrend(
            week,
            w["known"],
            w["unknown"],
            w["sales"],
            rate(w["known"] + w["unknown"], w["sales"]),
        )
        for week, w in sorted(weeks.items())
    )

    def ordered(dimension: str) -> tuple[ShrinkageLine, ...]:
        return tuple(sorted(lines[dimension], key=lambda x: (-x.amount.value, x.key)))

    return ShrinkageReport(
        location_ids=locations,
        first=first,
        last=last,
        known=known,
        unknown=unknown,
        sales=sold,
        rate_of_sales=rate(known.value + unknown.value, sold.value),
        known_rate=rate(known.value, sold.value),
        unknown_rate=rate(unknown.value, sold.value),
        by_cause=ordered("cause"),
        by_zone=ordered("zone"),
        by_category=ordered("category"),
        by_product=ordered("product"),
        by_person=ordered("person"),
        weekly=weekly,
    )


async def _labels(conn: asyncpg.Connection, losses: list[dict]) -> dict[tuple[str, str], str]:
    """Names for the zone, product and person ids in the report."""
    ids: dict[str, set[int]] = {"zone": set(), "product": set(), "person": set()}
    for r in losses:
        for dimension, column in (("zone", "zone"), ("product", "product"), ("person", "actor")):
            if r[column] is not None:
                ids[dimension].add(r[column])
    queries = {
        "zone": "SELECT id, name FROM zone WHERE id = ANY($1::int[])",
        "product": "SELECT id, name FROM product WHERE id = ANY($1::int[])",
        "person": "SELECT id, name FROM app_user WHERE id = ANY($1::int[])",
    }
    labels: dict[tuple[str, str], str] = {}
    for dimension, query in queries.items():
        if ids[dimension]:
            for row in await conn.fetch(query, list(ids[dimension])):
                labels[(dimension, str(row["id"]))] = row["name"]
    return labels
