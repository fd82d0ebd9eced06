"""Jobs. Each is safe to run twice: it reads state from Postgres and writes nothing it did not
check under a lock first."""

from __future__ import annotations

import logging
from typing import Any

from domain import db
from domain.inventory.audit import dangling_references, verify_location_chains

log = logging.getLogger(__name__)


async def verify_ledger(ctx: dict[str, Any], location_id: int | None = None) -> dict[str, int]:
    """Re-compute the hash chains of one location (or all); log every break for compliance."""
    async with db.connection() as conn:
        ids = (
            [location_id]
            if location_id is not None
            else [r["id"] for r in await conn.fetch("SELECT id FROM location ORDER BY id")]
        )
    broken = dangling = 0
    for loc in ids:
        for failure in await verify_location_chains(loc):
            broken += 1
            log.error("ledger chain broken at location %s: %s", loc, failure)
        if found := await dangling_references(loc):
            dangling += found
            log.error("%d movements at location %s reference foreign zones or people", found, loc)
    return {"locations": len(ids), "broken": broken, "dangling": dangling}
