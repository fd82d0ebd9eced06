"""Audit checks over the ledger that a compliance officer can run at any time."""

from __future__ import annotations

from dataclasses import dataclass

from domain import db, hashchain
from domain.inventory.queries import package_history
from domain.rows import returned


@dataclass(frozen=True)
class BrokenChain:
    tag: str
    sequence: int
    reason: str


@dataclass(frozen=True)
class PackageChain:
    """One package's hash chain re-computed: how long it is and where it breaks, if it does."""

    movements: int
    broken: hashchain.ChainBreak | None


async def package_chain(package_id: int) -> PackageChain:
    """Re-compute one package's chain, for the screen that shows a package's history."""
    history = await package_history(package_id)
    return PackageChain(len(history), hashchain.verify(history))


async def dangling_references(location_id: int) -> int:
    """Movements whose zones are not this location's, or whose people do not exist.

    The ledger checks these before writing; this is the auditor's independent re-check of the
    references that are deliberately not foreign keys (see ``Movement``).
    """
    async with db.connection() as conn:
        count = await conn.fetchval(
            """
            SELECT count(*) FROM movement m
            WHERE m.location = $1 AND (
                (m.from_zone IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM zone z WHERE z.id = m.from_zone AND z.location = m.location))
                OR (m.to_zone IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM zone z WHERE z.id = m.to_zone AND z.location = m.location))
                OR NOT EXISTS (SELECT 1 FROM app_user u WHERE u.id = m.actor)
                OR (m.witness IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM app_user u WHERE u.id = m.witness))
                OR NOT EXISTS (SELECT 1 FROM package p
                               WHERE p.id = m.package AND p.location = m.location))
            """,
            location_id,
        )
    return returned(count, "count")


async def verify_location_chains(location_id: int) -> list[BrokenChain]:
    """Re-compute every package's hash chain at a location; each break is reported.

    Also checks that each package's chain head (``last_hash``) is the last movement's hash, so
    truncating a package's history is caught too. Streams (``domain.audit.verification``); the
    nightly job records the same walk as a verification run.
    """
    from domain.audit.verification import verify_movement_chains

    async with db.connection() as conn, conn.transaction(readonly=True):
        report = await verify_movement_chains(conn, location_id)
    return [BrokenChain(b.tag, b.sequence, b.reason) for b in report.breaks]
