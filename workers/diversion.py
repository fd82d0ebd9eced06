"""Diversion jobs: evaluate what arrived (kicked after commit), the nightly sweep, and the
shrinkage report's hourly roll-up.

Both are safe to run twice: a flag is saved once per evidence, and the incremental cursor is
moved in the transaction that read past it (its row lock makes two runs take turns).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.diversion import evaluate
from domain.shrinkage import rollup
from workers.jobs import units

log = logging.getLogger(__name__)

# The nightly sweep re-reads the last eight days: yesterday's events and the whole of the week
# they complete, however late their kick was lost.
SWEEP_DAYS = 8


async def evaluate_diversion(ctx: dict[str, Any], location_id: int) -> dict[str, int]:
    """Run the diversion rules over one location's new movements and access events."""
    return (await evaluate.evaluate_new(units(ctx), location_id)).as_dict()


async def catch_up_diversion(ctx: dict[str, Any]) -> dict[str, int]:
    """Every location's new rows (covers kicks Redis lost between sweeps), and the tag
    histories the last reconciliation found disagreeing."""
    total = evaluate.Tally()
    for loc in await evaluate.locations(units(ctx)):
        try:
            found = await evaluate.evaluate_new(units(ctx), loc, mismatches=True)
        except Exception:
            log.exception("diversion evaluation failed at location %s", loc)
            continue
        total.movements += found.movements
        total.access_events += found.access_events
        total.raised += found.raised
    return total.as_dict()


async def sweep_diversion(ctx: dict[str, Any]) -> dict[str, int]:
    """Every rule over the last ``SWEEP_DAYS`` days at every location."""
    end = datetime.now(UTC)
    start = end - timedelta(days=SWEEP_DAYS)
    total = evaluate.Tally()
    for loc in await evaluate.locations(units(ctx)):
        try:
            found = await evaluate.sweep(units(ctx), loc, start, end)
        except Exception:
            log.exception("diversion sweep failed at location %s", loc)
            continue
        total.movements += found.movements
        total.access_events += found.access_events
        total.raised += found.raised
    return total.as_dict()


async def roll_up_shrinkage(ctx: dict[str, Any]) -> dict[str, int]:
    """Every location's finished days into the shrinkage report's roll-up (hourly: each
    location's midnight comes in its own timezone; re-running rewrites the same sums)."""
    days = 0
    for loc in await evaluate.locations(units(ctx)):
        try:
            days += await rollup.roll_up(units(ctx), loc)
        except Exception:
            log.exception("shrinkage roll-up failed at location %s", loc)
    return {"days": days}
