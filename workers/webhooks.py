"""The webhook job: send every due delivery, then stop (the cron and after-commit kicks restart it).

Thin on purpose: ``domain.webhooks.delivery`` claims rows with ``SKIP LOCKED`` and leases them, so
this job may run in several workers at once, or twice, without sending anything twice.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from api.metrics import WEBHOOK_DELIVERIES
from domain.webhooks import delivery
from workers.jobs import units

log = logging.getLogger(__name__)

# Leave the rest of a big backlog to the next run rather than outlive arq's job timeout.
RUN_BUDGET_SECONDS = 240.0


async def deliver_webhooks(ctx: dict[str, Any]) -> dict[str, int]:
    """Send due webhook deliveries until none is due (each endpoint's next event becomes due as
    soon as the one before it is settled, so this loops rather than sending one batch)."""
    total = delivery.DeliveryResult()
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    while time.monotonic() < deadline:
        result = await delivery.deliver_due(units(ctx).registry)
        if not result.claimed:
            break
        total.delivered += result.delivered
        total.retrying += result.retrying
        total.failed += result.failed
    if total.claimed:
        log.info("webhooks: %s", total)
    for outcome in ("delivered", "retrying", "failed"):
        WEBHOOK_DELIVERIES.labels(outcome).inc(getattr(total, outcome))
    return {"delivered": total.delivered, "retrying": total.retrying, "failed": total.failed}
