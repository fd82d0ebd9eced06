"""Analytics roll-up jobs: one location's new days (kicked by its movements, one run per
location per minute), and the nightly sweep of every location. Both recompute whole days from
the ledger, so running either twice writes the same rows."""

from __future__ import annotations

import logging
from typing import Any

from domain.analytics import rollup
from workers.jobs import units

log = logging.getLogger(__name__)


async def roll_up_analytics(ctx: dict[str, Any], location_id: int) -> dict[str, int]:
    """Recompute the days this location's new movements touched, and today."""
    return {"days": await rollup.roll_up(units(ctx), location_id)}


async def sweep_analytics(ctx: dict[str, Any]) -> dict[str, int]:
    """Every location's days touched since the last sweep (a late commit a kicked run read past,
    a lost kick), and yesterday and today."""
    days = 0
    for loc in await rollup.locations(units(ctx)):
        try:
            days += await rollup.roll_up(units(ctx), loc, sweep=True)
        except Exception:
            log.exception("analytics roll-up failed at location %s", loc)
    return {"days": days}
