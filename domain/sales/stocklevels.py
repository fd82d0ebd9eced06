"""Floor stock as the register sees it: first-expiring-first-out and low-stock signals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from domain import db, events
from domain.inventory.ledger import ZoneRef


def fefo_refusal(chosen_expiry: date | None, earlier: list[tuple[str, date]]) -> str | None:
    """Pure: a warning when a lot expiring sooner than the one chosen is on the floor."""
    if not earlier:
        return None
    tag, expires = min(earlier, key=lambda item: item[1])
    when = chosen_expiry.isoformat() if chosen_expiry else "no expiry date"
    return (
        f"first-expiring-first-out: {tag} expires {expires.isoformat()}, before this lot"
        f" ({when}); sell it first"
    )


async def fefo_warnings(location_id: int, lines: Iterable[tuple[Any, ZoneRef]]) -> list[str]:
    """For each line, whether an earlier-expiring sellable lot of its product is on the floor."""
    lines = list(lines)
    if not lines:
        return []
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT p.product, p.tag, b.expires_on
            FROM stock_balance sb
            JOIN package p ON p.id = sb.package
            JOIN zone z ON z.id = sb.zone
            JOIN batch b ON b.id = p.batch
            WHERE z.location = $1 AND z.kind = 'sales_floor' AND sb.quantity > 0
              AND p.status = 'active' AND b.lab_status IN ('passed', 'remediated')
              AND p.product = ANY($2::int[]) AND b.expires_on IS NOT NULL
              AND b.expires_on >= current_date
            """,
            location_id,
            sorted({package["product"] for package, _ in lines}),
        )
    warnings = []
    for package, _zone in lines:
        mine = package["expires_on"]
        earlier = [
            (r["tag"], r["expires_on"])
            for r in rows
            if r["product"] == package["product"]
            and r["tag"] != package["tag"]
            and (mine is None or r["expires_on"] < mine)
        ]
        if (warning := fefo_refusal(mine, earlier)) is not None:
            warnings.append(f"{package['tag']}: {warning}")
    return warnings


async def floor_totals(location_id: int, product_ids: Iterable[int]) -> dict[int, Decimal]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            """
            SELECT pr.id, coalesce(sum(sb.quantity), 0) AS quantity
            FROM product pr
            LEFT JOIN package p ON p.product = pr.id AND p.location = $1
            LEFT JOIN stock_balance sb ON sb.package = p.id
                 AND sb.zone IN (SELECT id FROM zone WHERE location = $1 AND kind = 'sales_floor')
            WHERE pr.id = ANY($2::int[])
            GROUP BY pr.id
            """,
            location_id,
            sorted(set(product_ids)),
        )
    return {r["id"]: r["quantity"] for r in rows}


def low_stock_crossings(
    before: Mapping[int, Decimal],
    removed: Mapping[int, Decimal],
    thresholds: Mapping[int, Decimal | None],
) -> dict[int, Decimal]:
    """Pure: the products whose floor quantity falls below their threshold by this removal
    (were at or above it, are below it now), with the quantity now on the floor."""
    crossed = {}
    for product_id, threshold in thresholds.items():
        if threshold is None or product_id not in before:
            continue
        after = before[product_id] - removed.get(product_id, Decimal(0))
        if before[product_id] >= threshold > after:
            crossed[product_id] = after
    return crossed


def announce_low_stock(
    location_id: int,
    before: Mapping[int, Decimal],
    removed: Mapping[int, Decimal],
    thresholds: Mapping[int, Decimal | None],
) -> None:
    """A lowStock event for each product whose floor quantity just fell below its threshold.

    ``before`` was read under the packages' locks in this transaction; the quantity after is
    that minus what this transaction took off the floor, so no second read is needed.
    """
    for product_id, after in low_stock_crossings(before, removed, thresholds).items():
        events.record(
            events.Event(
                "low_stock",
                location_id,
                {
                    "product_id": product_id,
                    "floor_quantity": str(after),
                    "threshold": str(thresholds[product_id]),
                },
            )
        )
