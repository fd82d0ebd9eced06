"""Webhook types: endpoints (never their secrets) and the delivery log."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from domain.webhooks import queries, tables

# The domain enum itself, registered with strawberry (see api/enums.py).
WebhookDeliveryStatus = tables.DeliveryStatus
strawberry.enum(
    WebhookDeliveryStatus,
    name="WebhookDeliveryStatus",
    description="pending (queued, in flight or backing off), delivered or failed.",
)


@strawberry.type(description="Where a licence's events are sent. The signing secret is write-only.")
class WebhookEndpoint:
    id: strawberry.ID
    location_id: strawberry.ID
    url: str
    events: list[str] = strawberry.field(
        description='Event names it receives, e.g. "reservation.expired"; "*" for all.'
    )
    active: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, row: queries.EndpointRow) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(str(row.id)),
            location_id=strawberry.ID(str(row.location_id)),
            url=row.url,
            events=list(row.events),
            active=row.active,
            created_at=row.created_at,
        )


@strawberry.type(description="One event sent (or being sent) to one endpoint, and how it went.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Sent as the X-LeafLedger-Delivery header.")
    endpoint_id: strawberry.ID
    endpoint_url: str
    event: str
    event_id: str = strawberry.field(description="The body's `id`; receivers dedupe by it.")
    status: WebhookDeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = strawberry.field(
        description="When it will be tried again (pending only)."
    )
    retry_until: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload_json: str = strawberry.field(description="The event's `data`, as JSON.")

    @classmethod
    def from_domain(cls, row: queries.DeliveryRow) -> WebhookDelivery:
        pending = row.status == tables.DeliveryStatus.PENDING
        return cls(
            id=strawberry.ID(str(row.id)),
            endpoint_id=strawberry.ID(str(row.endpoint_id)),
            endpoint_url=row.endpoint_url,
            event=row.event,
            event_id=row.event_id,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if pending else None,
            retry_until=row.retry_until,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            created_at=row.created_at,
            delivered_at=row.delivered_at,
            payload_json=json.dumps(row.payload),
        )
