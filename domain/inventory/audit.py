"""Audit checks over the ledger that a compliance officer can run at any time."""

from __future__ import annotations

from dataclasses import dataclass

from domain import db, hashchain
from domain.inventory.queries import MOVEMENT_COLUMNS


@dataclass(frozen=True)
class BrokenChain:
    tag: str
    sequence: int
    reason: str


async def verify_location_chains(location_id: int) -> list[BrokenChain]:
    """Re-compute every package's hash chain at a location; each break is reported.

    Also checks that each package's chain head (``last_hash``) is the last movement's hash, so
    truncating a package's history is caught too.
    """
    broken: list[BrokenChain] = []
    async with db.connection() as conn:
        packages = await conn.fetch(
            "SELECT id, tag, movement_count, last_hash FROM package WHERE location = $1"
            " ORDER BY id",
            location_id,
        )
        for package in packages:
            rows = await conn.fetch(
                f"SELECT {MOVEMENT_COLUMNS} FROM movement m WHERE m.package = $1"
                " ORDER BY m.sequence",
                package["id"],
            )
            history = [dict(r) for r in rows]
            failure = hashchain.verify(history)
            if failure is not None:
                broken.append(BrokenChain(package["tag"], failure.sequence, failure.reason))
            elif len(history) != package["movement_count"] or (
                history and history[-1]["hash"] != package["last_hash"]
            ):
                broken.append(
                    BrokenChain(package["tag"], len(history), "chain head does not match")
                )
    return broken
