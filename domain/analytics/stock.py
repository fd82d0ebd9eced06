"""Analytics of what is on hand now: aging and dead stock, expiring value, and one product's
stock across every licence the caller holds with where it may legally move.

Why it exists: cash sits in old, slow and expiring stock, and a multi-store operator can often
move it to a store that sells it instead of writing it off. These read the current balances
(bounded by what is on hand, not by history) and, for dead stock, the last N days of the
daily roll-up.
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
from domain.analytics.model import (
    AGING_BUCKETS,
    ZERO,
    Licence,
    aging_bucket,
    may_transfer,
    money,
    quantity,
)
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal

MAX_DAYS = 3650
MAX_LINES = 1000


@dataclass(frozen=True)
class AgingBucket:
    label: str
    packages: int
    value: Decimal


@dataclass(frozen=True)
class DeadStock:
    location_id: int
    product_id: int
    product: str
    quantity: Decimal
    value: Decimal
    oldest_received: date | None


@dataclass(frozen=True)
class AgingReport:
    location_ids: tuple[int, ...]
    buckets: tuple[AgingBucket, ...]
    dead_after_days: int
    dead_value: Decimal
    dead: tuple[DeadStock, ...]  # largest value first


@dataclass(frozen=True)
class ExpiringLine:
    location_id: int
    batch_id: int
    batch_number: str
    product: str
    expires: date
    quantity: Decimal
    value: Decimal


@dataclass(frozen=True)
class ExpiringReport:
    location_ids: tuple[int, ...]
    within_days: int
    expired_value: Decimal  # already past its expiry or sell-by date
    expiring_value: Decimal  # within the days asked, not yet past
    lines: tuple[ExpiringLine, ...]  # soonest first


def _local_today(row: Any, now: datetime) -> date:
    return now.astimezone(ZoneInfo(row["timezone"])).date()


async def _on_hand(locations: Sequence[int]) -> list[Any]:
    async with db.transaction(), db.connection() as conn:
        await conn.execute("SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan")
        return list(await conn.fetch(sql.ON_HAND, list(locations)))


def _days(value: int, field: str) -> None:
    if not 1 <= value <= MAX_DAYS:
        raise ValidationError(field, f"1 to {MAX_DAYS}")


async def stock_aging(
    principal: Principal,
    location_ids: Sequence[int] | None,
    dead_after_days: int = 60,
    limit: int = 100,
) -> AgingReport:
    """On-hand value by days since each package was received (its first movement), and the
    products on hand that have not sold for ``dead_after_days``."""
    _days(dead_after_days, "deadAfterDays")
    if not 1 <= limit <= MAX_LINES:
        raise ValidationError("first", f"1 to {MAX_LINES}")
    locations = access.scope(principal, location_ids)
    rows = await _on_hand(locations)
    now = datetime.now(UTC)
    buckets = {label: [0, ZERO] for label, _ in AGING_BUCKETS}
    held: dict[tuple[int, int], list[Any]] = {}
    for r in rows:
        received = (r["received_at"] or now).astimezone(ZoneInfo(r["timezone"])).date()
        bucket = buckets[aging_bucket((_local_today(r, now) - received).days)]
        bucket[0] += 1
        bucket[1] += r["value"]
        line = held.setdefault((r["location"], r["product"]), [r["product_name"], ZERO, ZERO, None])
        line[1] += r["quantity"]
        line[2] += r["value"]
        line[3] = received if line[3] is None else min(line[3], received)
    since = now.date() - timedelta(days=dead_after_days)
    async with db.connection() as conn:
        sold = {
            (r["location"], r["product"])
            for r in await conn.fetch(sql.SOLD_SINCE, list(locations), since)
        }
    dead = sorted(
        (
            DeadStock(loc, product, v[0], quantity(v[1]), money(v[2]), v[3])
            for (loc, product), v in held.items()
            if (loc, product) not in sold and (v[3] is None or v[3] <= since)
        ),
        key=lambda d: (-d.value, d.location_id, d.product_id),
    )
    return AgingReport(
        location_ids=locations,
        buckets=tuple(AgingBucket(k, v[0], money(v[1])) for k, v in buckets.items()),
        dead_after_days=dead_after_days,
        dead_value=money(sum((d.value for d in dead), ZERO)),
        dead=tuple(dead[:limit]),
    )


async def expiring_stock(
    principal: Principal,
    location_ids: Sequence[int] | None,
    within_days: int = 30,
    limit: int = 100,
) -> ExpiringReport:
    """On-hand value whose batch expires (or must be sold by) within ``within_days``."""
    _days(within_days, "withinDays")
    if not 1 <= limit <= MAX_LINES:
        raise ValidationError("first", f"1 to {MAX_LINES}")
    locations = access.scope(principal, location_ids)
    now = datetime.now(UTC)
    lines: dict[tuple[int, int], ExpiringLine] = {}
    expired = expiring = ZERO
    for r in await _on_hand(locations):
        if r["expires"] is None:
            continue
        today = _local_today(r, now)
        if r["expires"] > today + timedelta(days=within_days):
            continue
        if r["expires"] < today:
            expired += r["value"]
        else:
            expiring += r["value"]
        key = (r["location"], r["batch"])
        before = lines.get(key)
        lines[key] = ExpiringLine(
            r["location"],
            r["batch"],
            r["batch_number"],
            r["product_name"],
            r["expires"],
            (before.quantity if before else ZERO) + r["quantity"],
            (before.value if before else ZERO) + r["value"],
        )
    ordered = sorted(lines.values(), key=lambda x: (x.expires, -x.value, x.batch_id))
    return ExpiringReport(
        location_ids=locations,
        within_days=within_days,
        expired_value=money(expired),
        expiring_value=money(expiring),
        lines=tuple(
            ExpiringLine(
                x.location_id,
                x.batch_id,
                x.batch_number,
                x.product,
                x.expires,
                quantity(x.quantity),
                money(x.value),
            )
            for x in ordered[:limit]
        ),
    )


@dataclass(frozen=True)
class LocationStock:
    location_id: int
    name: str
    license_number: str
    state: str
    quantity: Decimal
    floor_quantity: Decimal
    value: Decimal


@dataclass(frozen=True)
class TransferRoute:
    from_location_id: int
    to_location_id: int


@dataclass(frozen=True)
class StockAcross:
    product_id: int
    product: str
    locations: tuple[LocationStock, ...]
    # Between the licences listed: same operator and same state (``model.may_transfer``),
    # from a licence holding the product.
    routes: tuple[TransferRoute, ...]


async def stock_across_locations(
    principal: Principal, product_id: int, location_ids: Sequence[int] | None
) -> StockAcross:
    """One product's stock at every licence asked (default: all the caller holds)."""
    locations = access.scope(principal, location_ids)
    async with db.connection() as conn:
        product = await conn.fetchrow(
            "SELECT id, name FROM product WHERE id = $1 AND operator = $2",
            product_id,
            principal.operator_id,
        )
        if product is None:
            raise NotFound("product", str(product_id))
        licences = await conn.fetch(sql.LICENCES, list(locations))
        stock = {
            r["location"]: r
            for r in await conn.fetch(sql.PRODUCT_STOCK, list(locations), product_id)
        }
    rows = []
    for lic in sorted(licences, key=lambda x: x["id"]):
        held = stock.get(lic["id"])
        rows.append(
            LocationStock(
                lic["id"],
                lic["name"],
                lic["license_number"],
                lic["state"],
                quantity(held["quantity"] if held else ZERO),
                quantity((held["floor"] if held else None) or ZERO),
                money(held["value"] if held else ZERO),
            )
        )
    facts = {r["id"]: Licence(r["id"], r["operator"], r["state"]) for r in licences}
    routes = tuple(
        TransferRoute(a.location_id, b.location_id)
        for a in rows
        for b in rows
        if a.quantity > 0 and may_transfer(facts[a.location_id], facts[b.location_id]) is None
    )
    return StockAcross(product["id"], product["name"], tuple(rows), routes)
