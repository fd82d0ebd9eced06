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
from datetime import date, datetime, timedelta
from decimal import Decimal

import asyncpg

from domain import db
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.inventory.model import AdjustmentReason
from domain.roles import Capability

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
MAX_LOCATIONS = 50
ZERO = Decimal(0)


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
    start: datetime
    end: datetime
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


_AMOUNTS = """
    CASE WHEN p.unit = 'each' THEN m.quantity ELSE 0 END AS units,
    CASE p.unit WHEN 'grams' THEN m.quantity WHEN 'milligrams' THEN m.quantity / 1000
         ELSE m.quantity * coalesce(pr.unit_weight_grams, 0) END AS grams,
    m.quantity * coalesce(p.unit_cost, pr.unit_cost) AS value
"""

_LOSSES = f"""
WITH lines AS (
  SELECT coalesce(m.reason, 'destruction') AS cause, coalesce(m.from_zone, m.to_zone) AS zone,
         pr.category, pr.id AS product, m.actor,
         (date_trunc('week', m.occurred_at AT TIME ZONE l.timezone))::date AS week,
         CASE WHEN m.from_zone IS NOT NULL THEN 1 ELSE -1 END AS sign, {_AMOUNTS}
  FROM movement m
  JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
  JOIN location l ON l.id = m.location
  WHERE m.location = ANY($1::int[]) AND m.kind IN ('adjust', 'destroy')
    AND m.occurred_at >= $2 AND m.occurred_at < $3
)
SELECT GROUPING(cause, zone, category, product, actor, week) AS grouping,
       cause, zone, category, product, actor, week,
       sum(sign * units) AS units, sum(sign * grams) AS grams, sum(sign * value) AS value,
       count(*) AS movements
FROM lines
GROUP BY GROUPING SETS ((cause), (zone), (category), (product), (actor), (week, cause))
"""

# Cost of goods sold: sales less what voids and returns put back.
_SALES = f"""
WITH lines AS (
  SELECT (date_trunc('week', m.occurred_at AT TIME ZONE l.timezone))::date AS week,
         CASE WHEN m.kind = 'sale' THEN 1 ELSE -1 END AS sign, {_AMOUNTS}
  FROM movement m
  JOIN package p ON p.id = m.package JOIN product pr ON pr.id = p.product
  JOIN location l ON l.id = m.location
  WHERE m.location = ANY($1::int[]) AND m.kind IN ('sale', 'void', 'return')
    AND m.occurred_at >= $2 AND m.occurred_at < $3
)
SELECT week, sum(sign * units) AS units, sum(sign * grams) AS grams,
       sum(sign * value) AS value, count(*) AS movements
FROM lines GROUP BY week
"""

# Which dimension a GROUPING() bitmask row is (bits: cause zone category product actor week).
_DIMENSION = {0b011111: "cause", 0b101111: "zone", 0b110111: "category", 0b111011: "product"}
_PERSON, _WEEK_CAUSE = 0b111101, 0b011110


def _amount(rows: Sequence[Amount]) -> Amount:
    return Amount(
        sum((r.units for r in rows), ZERO),
        sum((r.grams for r in rows), ZERO),
        sum((r.value for r in rows), ZERO),
        sum(r.movements for r in rows),
    )


def _row_amount(r: dict) -> Amount:
    return Amount(r["units"] or ZERO, r["grams"] or ZERO, r["value"] or ZERO, r["movements"])


async def shrinkage_report(
    principal: Principal, location_ids: Sequence[int], start: datetime, end: datetime
) -> ShrinkageReport:
    """The report for ``location_ids`` over [start, end), each a location the caller may see."""
    locations = tuple(sorted(set(location_ids)))
    if not 1 <= len(locations) <= MAX_LOCATIONS:
        raise ValidationError("locationIds", f"name 1 to {MAX_LOCATIONS} locations")
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("from", "give a timezone")
    if not start < end <= start + MAX_PERIOD:
        raise ValidationError("to", "must be after from, at most 400 days later")
    for loc in locations:
        principal.require(Capability.READ_DIVERSION, loc)
    async with db.connection() as conn:
        losses = [dict(r) for r in await conn.fetch(_LOSSES, list(locations), start, end)]
        sales = [dict(r) for r in await conn.fetch(_SALES, list(locations), start, end)]
        labels = await _labels(conn, losses)
    lines: dict[str, list[ShrinkageLine]] = {d: [] for d in (*_DIMENSION.values(), "person")}
    weeks: dict[date, dict[str, Decimal]] = {}
    for r in losses:
        g = r["grouping"]
        amount = _row_amount(r)
        if g == _WEEK_CAUSE:
            week = weeks.setdefault(r["week"], {"known": ZERO, "unknown": ZERO})
            week["known" if is_known(r["cause"]) else "unknown"] += amount.value
            continue
        dimension = "person" if g == _PERSON else _DIMENSION.get(g)
        if dimension is None:
            continue
        column = {"person": "actor"}.get(dimension, dimension)
        key = str(r[column])
        known = is_known(key) if dimension == "cause" else None
        lines[dimension].append(
            ShrinkageLine(key, labels.get((dimension, key), key), amount, known)
        )
    by_cause = lines["cause"]
    known = _amount([line.amount for line in by_cause if line.known])
    unknown = _amount([line.amount for line in by_cause if not line.known])
    sold = _amount([_row_amount(r) for r in sales])
    sales_by_week = {r["week"]: r["value"] or ZERO for r in sales}
    weekly = tuple(
        WeekTrend(
            week,
            weeks.get(week, {}).get("known", ZERO),
            weeks.get(week, {}).get("unknown", ZERO),
            sales_by_week.get(week, ZERO),
            rate(
                weeks.get(week, {}).get("known", ZERO) + weeks.get(week, {}).get("unknown", ZERO),
                sales_by_week.get(week, ZERO),
            ),
        )
        for week in sorted(set(weeks) | set(sales_by_week))
    )

    def ordered(dimension: str) -> tuple[ShrinkageLine, ...]:
        return tuple(sorted(lines[dimension], key=lambda x: (-x.amount.value, x.key)))

    return ShrinkageReport(
        location_ids=locations,
        start=start,
        end=end,
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
    for dimension, sql in queries.items():
        if ids[dimension]:
            for row in await conn.fetch(sql, list(ids[dimension])):
                labels[(dimension, str(row["id"]))] = row["name"]
    return labels
