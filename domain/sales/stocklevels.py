"""Floor stock as the register sees it: first-expiring-first-out warnings.

Low-stock signals are the ledger's (``ledger._announce_low_floors``): every movement that takes a
product's floor below its threshold announces it, not only sales.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from domain import db
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
