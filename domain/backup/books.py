"""Reading the books a backup promises, from any database (the live one inside the dump's
snapshot, or the restored copy), over a connection the caller opened."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from domain import hashchain
from domain.backup.manifest import LedgerHead, StockLine, heads_digest
from domain.inventory.queries import MOVEMENT_COLUMNS

BATCH = 2000


async def stock(conn: asyncpg.Connection) -> list[StockLine]:
    rows = await conn.fetch(
        "SELECT p.location, p.tag, b.zone, b.quantity FROM stock_balance b"
        " JOIN package p ON p.id = b.package WHERE b.quantity <> 0"
        " ORDER BY p.location, p.tag, b.zone"
    )
    return [StockLine(r[0], r[1], r[2], Decimal(r[3])) for r in rows]


async def ledger_heads(conn: asyncpg.Connection) -> list[LedgerHead]:
    rows = await conn.fetch(
        "SELECT location, tag, movement_count, last_hash FROM package ORDER BY location"
    )
    heads = []
    for location, group in itertools.groupby(rows, key=lambda r: r["location"]):
        packages = [(r["tag"], r["movement_count"], r["last_hash"]) for r in group]
        heads.append(
            LedgerHead(
                location_id=location,
                movements=sum(count for _, count, _ in packages),
                packages=len(packages),
                digest=heads_digest(packages),
            )
        )
    return heads


@dataclass(frozen=True)
class ChainReport:
    packages: int
    movements: int
    broken: list[tuple[int, int, str]]  # (package id, sequence, reason)


async def _movements(conn: asyncpg.Connection) -> AsyncIterator[dict[str, Any]]:
    # A cursor in batches: memory stays flat however long the ledger is.
    async with conn.transaction(readonly=True):
        cursor = await conn.cursor(
            f"SELECT {MOVEMENT_COLUMNS} FROM movement m ORDER BY m.package, m.sequence"
        )
        while rows := await cursor.fetch(BATCH):
            for row in rows:
                yield dict(row)


async def verify_chains(conn: asyncpg.Connection) -> ChainReport:
    """Re-compute every package's hash chain (the first break per package)."""
    packages = movements = 0
    broken: list[tuple[int, int, str]] = []
    current: int | None = None
    chain: list[dict[str, Any]] = []

    def close() -> None:
        if current is not None and (failure := hashchain.verify(chain)) is not None:
            broken.append((current, failure.sequence, failure.reason))

    async for row in _movements(conn):
        movements += 1
        if row["package_id"] != current:
            close()
            current, chain = row["package_id"], []
            packages += 1
        chain.append(row)
    close()
    return ChainReport(packages, movements, broken)
