"""Read models of count plans: a location's classes, frequencies and quiet hours, and what is
due or overdue per zone and class with each package's last count.

The classification reads products, not packages (a store holds some hundreds of products and
tens of thousands of packages), so it runs in Python on per-product sums (``abc.classify``),
kept per process for ``CLASS_TTL``;
the due list is then one pass over the location's balances in SQL, handed each product's class
and the plan's intervals, so a 20,000-package store's list never crosses the wire whole. Neither
returns a booked quantity of a package (counts are blind: see api/counts/plans_types.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import asyncpg

from domain import db
from domain.counts.abc import AbcClass, ProductActivity, ProductClass, classify
from domain.counts.plan_policy import load_policy
from domain.counts.plan_rules import (
    VAULT,
    Frequency,
    PlanPolicy,
    StateMinimum,
    due_at,
    frequencies,
    interval_days,
    state_minimum,
)
from domain.counts.traffic import TrafficSlot, quiet_hours
from domain.errors import NotFound
from domain.unit_of_work import PluginRegistry


@dataclass(frozen=True)
class ProductClassRow:
    product_id: int
    sku: str
    name: str
    unit: str
    value_on_hand: Decimal
    units_sold: Decimal
    abc_class: AbcClass
    by_value: AbcClass
    by_velocity: AbcClass


@dataclass(frozen=True)
class PlanBasis:
    """What both the plan and the due list are computed from."""

    location_id: int
    timezone: str
    policy: PlanPolicy
    minimum: StateMinimum | None
    frequencies: tuple[Frequency, ...]
    activity: tuple[ProductActivity, ...]
    classes: dict[int, ProductClass]
    last_approved_count_at: datetime | None
    now: datetime
    classified_at: datetime

    def frequency(self, subject: str) -> Frequency:
        return next(f for f in self.frequencies if f.subject == subject)

    @property
    def cycle_count_due_at(self) -> datetime | None:
        """When the state's cycle minimum needs the next approved count (None: no minimum)."""
        if self.minimum is None or self.minimum.cycle_count_every_days is None:
            return None
        if self.last_approved_count_at is None:
            return self.now
        return self.last_approved_count_at + timedelta(days=self.minimum.cycle_count_every_days)


@dataclass(frozen=True)
class CountPlanView:
    basis: PlanBasis
    products: tuple[ProductClassRow, ...]
    quiet_hours: tuple[TrafficSlot, ...]
    class_sizes: dict[AbcClass, int]


_ACTIVITY = """
WITH on_hand AS (
    SELECT p.product, sum(b.quantity * coalesce(p.unit_cost, pr.unit_cost)) AS value
    FROM stock_balance b
    JOIN package p ON p.id = b.package
    JOIN product pr ON pr.id = p.product
    WHERE b.location = $1 AND b.quantity > 0
    GROUP BY p.product
), sold AS (
    SELECT l.product, sum(l.quantity - l.returned_quantity) AS units
    FROM sale s JOIN sale_line l ON l.sale = s.id
    WHERE s.location = $1 AND s.status <> 'voided' AND s.occurred_at >= $2
    GROUP BY l.product
)
SELECT pr.id, pr.sku, pr.name, pr.unit,
       coalesce(h.value, 0) AS value, coalesce(s.units, 0) AS units
FROM product pr
LEFT JOIN on_hand h ON h.product = pr.id
LEFT JOIN sold s ON s.product = pr.id
WHERE h.product IS NOT NULL OR s.product IS NOT NULL
ORDER BY pr.id
"""


async def _location(conn: asyncpg.Connection, location_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT l.state, l.timezone, l.created_at, now() AS now,"
        " (SELECT max(decided_at) FROM count_session"
        "  WHERE location = l.id AND status = 'approved') AS last_approved"
        " FROM location l WHERE l.id = $1",
        location_id,
    )
    if row is None:
        raise NotFound("location", str(location_id))
    return row


def _minimum(registry: PluginRegistry, state: str) -> StateMinimum | None:
    try:
        rulebook = registry.state_rulebook(state)
    except KeyError:
        # No plugin covers the state: no minimum is known, so none is applied (the store
        # cannot sell there either until someone writes its rules).
        return None
    return state_minimum(rulebook.code, rulebook.counts)


# The classes read every product's stock value and a window of sales: tens of milliseconds in
# a busy store, and they move slowly (a product changes class over days, not minutes). So each
# process keeps a location's classification for CLASS_TTL; what makes a package due (its last
# count, its balances) is always read fresh. A changed policy, or a location recreated under a
# reused id (its created_at differs), is a new key.
CLASS_TTL = timedelta(minutes=10)
_MAX_CACHED = 512


@dataclass(frozen=True)
class _Classified:
    at: datetime
    rows: tuple[asyncpg.Record, ...]
    activity: tuple[ProductActivity, ...]
    classes: dict[int, ProductClass]


_classified: dict[tuple[object, ...], _Classified] = {}


async def _classify(
    conn: asyncpg.Connection, loc: asyncpg.Record, location_id: int, policy: PlanPolicy
) -> _Classified:
    key = (location_id, loc["created_at"], policy)
    cached = _classified.get(key)
    if cached is not None and loc["now"] - cached.at < CLASS_TTL:
        return cached
    since = loc["now"] - timedelta(days=policy.abc_window_days)
    rows = tuple(await conn.fetch(_ACTIVITY, location_id, since))
    activity = tuple(ProductActivity(r["id"], r["unit"], r["value"], r["units"]) for r in rows)
    fresh = _Classified(
        at=loc["now"],
        rows=rows,
        activity=activity,
        classes=classify(activity, policy.class_a_share, policy.class_b_share),
    )
    if len(_classified) >= _MAX_CACHED:
        _classified.clear()
    _classified[key] = fresh
    return fresh


async def _basis(
    conn: asyncpg.Connection, registry: PluginRegistry, location_id: int
) -> tuple[PlanBasis, tuple[asyncpg.Record, ...]]:
    loc = await _location(conn, location_id)
    policy = await load_policy(conn, location_id)
    minimum = _minimum(registry, loc["state"])
    classified = await _classify(conn, loc, location_id, policy)
    plan = frequencies(policy, minimum)
    basis = PlanBasis(
        location_id=location_id,
        timezone=loc["timezone"],
        policy=policy,
        minimum=minimum,
        frequencies=tuple(plan.values()),
        activity=classified.activity,
        classes=classified.classes,
        last_approved_count_at=loc["last_approved"],
        now=loc["now"],
        classified_at=classified.at,
    )
    return basis, classified.rows


# Sales are first counted per UTC quarter hour, then each quarter is read in the store's time
# zone: converting every sale (tens of thousands in a window) cost more than the rest of the
# plan. Exact, because every time zone's offset and every DST change falls on a quarter hour
# (pg_timezone_names has no other offset), so a quarter lies within one local weekday and hour.
_TRAFFIC = """
WITH quarters AS (
    SELECT date_bin('15 minutes', s.occurred_at, timestamptz '2000-01-01 00:00+00') AS quarter,
           count(*) AS sales
    FROM sale s
    WHERE s.location = $1 AND s.status <> 'voided' AND s.occurred_at >= $2
    GROUP BY 1
)
SELECT extract(isodow FROM q.quarter AT TIME ZONE l.timezone)::int AS weekday,
       extract(hour FROM q.quarter AT TIME ZONE l.timezone)::int AS hour,
       sum(q.sales)::int AS sales
FROM quarters q CROSS JOIN location l
WHERE l.id = $1
GROUP BY 1, 2
"""


async def count_plan(registry: PluginRegistry, location_id: int) -> CountPlanView:
    """The location's plan: classes, frequencies with their sources, quiet hours."""
    async with db.connection() as conn:
        basis, rows = await _basis(conn, registry, location_id)
        since = basis.now - timedelta(days=basis.policy.abc_window_days)
        traffic = await conn.fetch(_TRAFFIC, location_id, since)
    products = tuple(
        ProductClassRow(
            product_id=r["id"],
            sku=r["sku"],
            name=r["name"],
            unit=r["unit"],
            value_on_hand=r["value"],
            units_sold=r["units"],
            abc_class=basis.classes[r["id"]].abc_class,
            by_value=basis.classes[r["id"]].by_value,
            by_velocity=basis.classes[r["id"]].by_velocity,
        )
        for r in rows
    )
    sizes = {c: 0 for c in AbcClass}
    for p in products:
        sizes[p.abc_class] += 1
    weeks = Decimal(basis.policy.abc_window_days) / 7
    slots = quiet_hours({(t["weekday"], t["hour"]): t["sales"] for t in traffic}, weeks)
    return CountPlanView(basis, products, tuple(slots), sizes)


@dataclass(frozen=True)
class DueGroup:
    zone_id: int
    zone_name: str
    zone_kind: str
    abc_class: AbcClass
    every_days: int
    packages: int
    due: int
    overdue: int
    oldest_last_counted_at: datetime | None
    never_counted: int


@dataclass(frozen=True)
class DuePackage:
    package_id: int
    tag: str
    product_id: int
    zone_id: int
    zone_name: str
    abc_class: AbcClass
    every_days: int
    last_counted_at: datetime | None
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class CountsDue:
    basis: PlanBasis
    within: timedelta
    groups: tuple[DueGroup, ...]
    packages: tuple[DuePackage, ...]
    has_more: bool


# One scan of the location's balances, materialised once for both answers: the groups (every
# balance) and the page (most overdue first; tags read for that page only). A balance's interval
# (plan_rules.interval_days) puts it in one of six lanes: class A, B or C, outside or inside a
# vault zone ($3); a product received since the last classification counts as C. Each lane's
# cut-offs ($4 overdue, $5 due) are computed once in Python (a day is 24 hours, as in
# plan_rules.due_at), so a row only compares its last count (or receipt) with two instants:
# adding a day interval to every balance's timestamp was the costliest arithmetic. The page
# orders by that instant + the lane's interval in seconds ($7: no calendar arithmetic).
# Nothing is cached here: a count approved or a package moved shows on the next read.
_DUE = """
WITH due AS MATERIALIZED (
    SELECT b.zone, b.package, p.last_counted_at,
           coalesce(p.last_counted_at, p.created_at) AS since,
           coalesce(c.lane, 3) + CASE WHEN b.zone = ANY($3::int[]) THEN 3 ELSE 0 END AS lane
    FROM stock_balance b
    JOIN package p ON p.id = b.package
    LEFT JOIN unnest($2::int[], $6::int[]) AS c(product, lane) ON c.product = p.product
    WHERE b.location = $1 AND b.quantity > 0
), spans AS (
    SELECT array_agg(s * interval '1 second' ORDER BY n) AS span
    FROM unnest($7::int[]) WITH ORDINALITY AS t(s, n)
)
SELECT 'group' AS part, zone, lane,
       count(*)::int AS packages,
       count(*) FILTER (WHERE since > ($4::timestamptz[])[lane]
                          AND since <= ($5::timestamptz[])[lane])::int AS due,
       count(*) FILTER (WHERE since <= ($4::timestamptz[])[lane])::int AS overdue,
       count(*) FILTER (WHERE last_counted_at IS NULL)::int AS never_counted,
       min(last_counted_at) AS last_counted_at,
       NULL::int AS package, NULL::text AS tag, NULL::int AS product,
       NULL::timestamptz AS since
FROM due
GROUP BY zone, lane
UNION ALL
SELECT 'package', page.zone, page.lane, NULL, NULL, NULL, NULL,
       page.last_counted_at, page.package, p.tag, p.product, page.since
FROM (
    SELECT due.* FROM due CROSS JOIN spans
    WHERE due.since <= ($5::timestamptz[])[due.lane]
    ORDER BY due.since + spans.span[due.lane], due.package, due.zone
    LIMIT $8 OFFSET $9
) page
JOIN package p ON p.id = page.package
"""

# The lanes, numbered as in _DUE (1-based: SQL arrays): A, B, C outside a vault, then inside.
_LANES = tuple(
    (abc_class, zone_kind)
    for zone_kind in ("", VAULT)
    for abc_class in (AbcClass.A, AbcClass.B, AbcClass.C)
)

MAX_DUE_PAGE = 500


async def counts_due(
    registry: PluginRegistry,
    location_id: int,
    *,
    within: timedelta = timedelta(days=1),
    first: int = 100,
    offset: int = 0,
) -> CountsDue:
    """Due and overdue counts per zone and class, and the packages most overdue first.

    ``within``: how far ahead "due" looks; ``first``/``offset`` page the package list.
    """
    async with db.connection() as conn:
        basis, _ = await _basis(conn, registry, location_id)
        zones = {
            z["id"]: z
            for z in await conn.fetch(
                "SELECT id, name, kind FROM zone WHERE location = $1", location_id
            )
        }
        plan = {f.subject: f for f in basis.frequencies}
        days = [interval_days(c, kind, plan) for c, kind in _LANES]
        lane_of = {c: i + 1 for i, (c, kind) in enumerate(_LANES) if kind == ""}
        product_ids = list(basis.classes)
        rows = await conn.fetch(
            _DUE,
            location_id,
            product_ids,
            [z for z, row in zones.items() if row["kind"] == VAULT],
            [basis.now - timedelta(days=d) for d in days],
            [basis.now + within - timedelta(days=d) for d in days],
            [lane_of[basis.classes[p].abc_class] for p in product_ids],
            [d * 86400 for d in days],
            first + 1,
            offset,
        )
    groups = sorted(
        (r for r in rows if r["part"] == "group"),
        key=lambda g: (zones[g["zone"]]["name"], g["zone"], _LANES[g["lane"] - 1][0]),
    )
    page = [
        (due_at(r["last_counted_at"], r["since"], days[r["lane"] - 1]), r)
        for r in rows
        if r["part"] == "package"
    ]
    page.sort(key=lambda d: (d[0], d[1]["package"], d[1]["zone"]))
    return CountsDue(
        basis=basis,
        within=within,
        groups=tuple(
            DueGroup(
                zone_id=g["zone"],
                zone_name=zones[g["zone"]]["name"],
                zone_kind=zones[g["zone"]]["kind"],
                abc_class=_LANES[g["lane"] - 1][0],
                every_days=days[g["lane"] - 1],
                packages=g["packages"],
                due=g["due"],
                overdue=g["overdue"],
                oldest_last_counted_at=g["last_counted_at"],
                never_counted=g["never_counted"],
            )
            for g in groups
        ),
        packages=tuple(
            DuePackage(
                package_id=r["package"],
                tag=r["tag"],
                product_id=r["product"],
                zone_id=r["zone"],
                zone_name=zones[r["zone"]]["name"],
                abc_class=_LANES[r["lane"] - 1][0],
                every_days=days[r["lane"] - 1],
                last_counted_at=r["last_counted_at"],
                due_at=when,
                overdue=when <= basis.now,
            )
            for when, r in page[:first]
        ),
        has_more=len(page) > first,
    )
