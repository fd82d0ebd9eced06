"""Tags for new packages: entered by staff, or the next ones from the state's tag pool.

METRC issues package tags to a facility in advance (``/tags/v2/package/available``); an output
without an entered tag takes the next pool tag no package of ours carries yet. Read before the
transaction: a tag two repacks pick at once is refused by the package table's unique tag.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from domain import db
from domain.compliance import connections
from domain.errors import ValidationError
from domain.unit_of_work import UnitOfWork
from plugins.base import TagPool

log = logging.getLogger(__name__)


async def fill(uow: UnitOfWork, location_id: int, given: Sequence[str | None]) -> list[str]:
    """``given`` with every missing tag taken from the state's pool, in order."""
    entered = [t.strip() if t else None for t in given]
    missing = [n for n, t in enumerate(entered) if not t]
    if not missing:
        return [t for t in entered if t]
    pool = await _pool(uow, location_id)
    async with db.connection() as conn:
        used = {
            r["tag"]
            for r in await conn.fetch(
                "SELECT tag FROM package WHERE location = $1 AND tag = ANY($2::text[])",
                location_id,
                pool,
            )
        }
    free = iter(t for t in pool if t not in used and t not in entered)
    filled = list(entered)
    for n in missing:
        tag = next(free, None)
        if tag is None:
            raise ValidationError(
                f"outputs[{n}].tag", "enter the new tag: the state's tag pool has none free here"
            )
        filled[n] = tag
    return [t for t in filled if t]


async def _pool(uow: UnitOfWork, location_id: int) -> list[str]:
    return await issued(uow, location_id) or []


async def issued(uow: UnitOfWork, location_id: int) -> list[str] | None:
    """The unused tags the state issued to the location's licence; None when they cannot be
    read (no connection, a system without a tag pool, the state down)."""
    target = await connections.load(uow.registry, location_id)
    if target is None or target.system.connect is None:
        return None
    client = target.system.connect(target.connection)
    try:
        if isinstance(client, TagPool):
            return await client.available_package_tags()
    except Exception as exc:  # the state is down or refuses the premium endpoint
        log.warning("tag pool of location %s: %s", location_id, exc)
    finally:
        await client.close()
    return None


async def carried(location_id: int, tags: Sequence[str]) -> set[str]:
    """Which of ``tags`` a package of ours at the location already carries."""
    async with db.connection() as conn:
        return {
            r["tag"]
            for r in await conn.fetch(
                "SELECT tag FROM package WHERE location = $1 AND tag = ANY($2::text[])",
                location_id,
                list(tags),
            )
        }
