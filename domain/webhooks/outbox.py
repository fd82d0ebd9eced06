"""Recording webhook events in the caller's transaction (a transactional outbox).

A receiver must hear about a reservation change if and only if it committed, so the delivery rows
are inserted by the same transaction that makes the change; a rollback takes them away too. The
Redis kick recorded alongside only starts delivery sooner: the sweeper finds the rows anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from domain import events
from domain.unit_of_work import UnitOfWork

# The events receivers can subscribe to (an endpoint may also say "*" for all of them).
EVENTS: tuple[str, ...] = (
    "reservation.created",
    "reservation.extended",
    "reservation.fulfilled",
    "reservation.cancelled",
    "reservation.expired",
    # Purchasing: an approved order went to its vendor (payload: the order, lines and vendor).
    "purchase_order.sent",
)
ALL_EVENTS = "*"
# How long a retryable failure keeps being retried, from the event (or from a redelivery).
RETRY_WINDOW = timedelta(hours=24)
EVENT_ID_MAX_LENGTH = 200

# One statement for any number of events of one kind: rows come out in endpoint, then event
# order, which is the order each endpoint receives them.
_INSERT = """
INSERT INTO webhook_delivery (endpoint, location, event, event_id, payload, status, attempts,
                              next_attempt_at, retry_until, created_at)
SELECT e.id, e.location, $2::varchar, i.event_id, i.payload::jsonb, 'pending', 0,
       now(), now() + $5::interval, now()
FROM webhook_endpoint e
CROSS JOIN unnest($3::varchar[], $4::text[]) WITH ORDINALITY AS i(event_id, payload, n)
WHERE e.location = $1 AND e.active AND ($2::varchar = ANY(e.events) OR '*' = ANY(e.events))
ORDER BY e.id, i.n
ON CONFLICT (endpoint, event_id) DO NOTHING
RETURNING id
"""


async def record(
    uow: UnitOfWork, location_id: int, event: str, event_id: str, payload: dict[str, Any]
) -> int:
    """Queue ``event`` for every active endpoint of the location subscribed to it.

    Call it inside the unit of work that makes the change (``uow``, open). ``event_id`` must be
    stable for the fact it describes (``f"reservation:{id}:expired"``): recording it again, e.g.
    from a retried job, adds nothing.
    ``payload`` must be JSON-serialisable (decimals and datetimes become strings). Returns how
    many deliveries were added.
    """
    return await record_many(uow, location_id, event, [(event_id, payload)])


async def record_many(
    uow: UnitOfWork, location_id: int, event: str, items: Sequence[tuple[str, dict[str, Any]]]
) -> int:
    """``record`` for many facts of one kind at once (a batch of expiries): one round trip."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; add it to EVENTS first")
    for event_id, _ in items:
        if not event_id or len(event_id) > EVENT_ID_MAX_LENGTH:
            raise ValueError(f"event_id must be 1 to {EVENT_ID_MAX_LENGTH} characters")
    if not uow.is_open:
        # Outside a transaction the row could commit without the change (or the reverse).
        raise RuntimeError("webhooks.record must run inside the transaction making the change")
    if not items:
        return 0
    ids = [event_id for event_id, _ in items]
    bodies = [json.dumps(payload, default=str) for _, payload in items]
    rows = await uow.conn.fetch(_INSERT, location_id, event, ids, bodies, RETRY_WINDOW)
    if rows:
        # Published after COMMIT only; the worker's kicker turns it into a deliver_webhooks job.
        uow.record(events.WebhooksQueued(location_id=location_id))
    return len(rows)
