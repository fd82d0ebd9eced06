"""Sample jobs: the display-jar rotation alert."""

from __future__ import annotations

from typing import Any

from domain.samples import services
from workers.jobs import units


async def raise_sample_due_alerts(ctx: dict[str, Any]) -> dict[str, int]:
    """Every quarter hour: a ``sample_due`` compliance alert for each display jar past its
    rotation date (each jar once; safe to run twice)."""
    return {"alerted": await services.raise_due_alerts(units(ctx)())}
