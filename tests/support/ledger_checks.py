"""Invariants an auditor checks, as reusable assertions."""

from __future__ import annotations

from decimal import Decimal

from domain import db


async def balances_of(package_id: int) -> dict[int, Decimal]:
    """Non-empty balances of a package, by zone id."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT zone, quantity FROM stock_balance WHERE package = $1 AND quantity > 0",
            package_id,
        )
    return {r["zone"]: r["quantity"] for r in rows}


async def assert_ledger_balances() -> None:
    """For every package and zone: the sum of movements in minus out equals the balance, and
    no balance is negative. This is the auditor's "received − sold − destroyed ± adjusted"."""
    async with db.connection() as conn:
        mismatches = await conn.fetch(
            """
            WITH flows AS (
                SELECT package, to_zone AS zone, quantity FROM movement WHERE to_zone IS NOT NULL
                UNION ALL
                SELECT package, from_zone, -quantity FROM movement WHERE from_zone IS NOT NULL
            ), ledger AS (
                SELECT package, zone, sum(quantity) AS quantity FROM flows GROUP BY package, zone
            )
            SELECT coalesce(l.package, b.package) AS package, coalesce(l.zone, b.zone) AS zone,
                   l.quantity AS ledger, b.quantity AS balance
            FROM ledger l FULL JOIN stock_balance b ON b.package = l.package AND b.zone = l.zone
            WHERE coalesce(l.quantity, 0) <> coalesce(b.quantity, 0)
            """
        )
        negative = await conn.fetchval("SELECT count(*) FROM stock_balance WHERE quantity < 0")
    assert not mismatches, [dict(m) for m in mismatches]
    assert negative == 0
