"""Choosing lots for an order: first-expiring first, floor before vault, under the lots' locks.

Candidates are read, locked (in id order, like every ledger write), then read again: what is
allocated is what is really there, so a concurrent sale turns into a precise shortage rather
than a failed movement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain import db
from domain.errors import MissingStock, ReservationShortage
from domain.inventory import ledger
from domain.inventory.rules import PackageState
from domain.organisation.model import ZoneKind

_CANDIDATES = """
SELECT sb.package, sb.zone, sb.quantity, z.kind, z.name, p.product, p.tag, b.expires_on
FROM stock_balance sb
JOIN zone z ON z.id = sb.zone
JOIN package p ON p.id = sb.package
LEFT JOIN batch b ON b.id = p.batch
WHERE z.location = $1 AND z.active AND z.kind = ANY($2::text[]) AND sb.quantity > 0
  AND p.status = 'active'
  AND (b.id IS NULL OR (b.lab_status IN ('passed', 'remediated')
       AND (b.expires_on IS NULL OR b.expires_on >= $5)
       AND (b.sell_by IS NULL OR b.sell_by >= $5)))
  AND (p.product = ANY($3::int[]) OR p.tag = ANY($4::text[]))
"""


@dataclass(frozen=True)
class Pick:
    package_id: int
    product_id: int
    zone: ledger.ZoneRef
    quantity: Decimal


def plan(
    wanted: Sequence[tuple[Any, Decimal]], candidates: Sequence[dict[str, Any]]
) -> tuple[list[Pick], list[MissingStock]]:
    """Pure: take each line's quantity from its candidates, first-expiring first (lots with no
    expiry last), the sales floor before the vault. Returns the picks and what is missing."""
    left = {(c["package"], c["zone"]): c["quantity"] for c in candidates}
    ordered = sorted(
        candidates,
        key=lambda c: (
            c["expires_on"] or date.max,
            0 if c["kind"] == ZoneKind.SALES_FLOOR else 1,
            c["package"],
            c["zone"],
        ),
    )
    picks: list[Pick] = []
    missing: list[MissingStock] = []
    for line, quantity in wanted:
        need = quantity
        for c in ordered:
            matches = c["tag"] == line.tag if line.tag else c["product"] == line.product_id
            key = (c["package"], c["zone"])
            if not matches or left[key] <= 0 or need <= 0:
                continue
            take = min(need, left[key])
            left[key] -= take
            need -= take
            picks.append(
                Pick(
                    c["package"],
                    c["product"],
                    ledger.ZoneRef(c["zone"], c["location"], ZoneKind(c["kind"]), c["name"]),
                    take,
                )
            )
        if need > 0:
            missing.append(
                MissingStock(
                    item=f"package {line.tag}" if line.tag else f"product {line.product_id}",
                    product_id=line.product_id,
                    tag=line.tag,
                    requested=quantity,
                    available=quantity - need,
                )
            )
    return picks, missing


async def allocate(
    location_id: int, wanted: Sequence[tuple[Any, Decimal]], zone_kinds: list[str]
) -> tuple[list[Pick], dict[int, PackageState]]:
    products = sorted({line.product_id for line, _ in wanted if line.product_id is not None})
    tags = sorted({line.tag.strip() for line, _ in wanted if line.tag})
    async with db.connection() as conn:
        today = await conn.fetchval(
            "SELECT (now() AT TIME ZONE timezone)::date FROM location WHERE id = $1", location_id
        )
        first = await conn.fetch(_CANDIDATES, location_id, zone_kinds, products, tags, today)
    locked = await ledger.lock_packages([r["package"] for r in first])
    async with db.connection() as conn:
        fresh = await conn.fetch(_CANDIDATES, location_id, zone_kinds, products, tags, today)
    candidates = [{**dict(r), "location": location_id} for r in fresh if r["package"] in locked]
    picks, missing = plan(wanted, candidates)
    if missing:
        raise ReservationShortage(missing)
    return picks, locked
