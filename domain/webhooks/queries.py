"""Read models for the webhook screens: a licence's receivers and the delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain import db
from domain.errors import NotFound
from domain.identity.principal import Principal
from domain.inventory.queries import MAX_PAGE, Page
from domain.roles import Capability
from domain.webhooks.tables import DeliveryStatus

ENDPOINT_COLUMNS = "id, location AS location_id, url, events, active, created_at"
DELIVERY_COLUMNS = (
    "d.id, d.endpoint AS endpoint_id, e.url AS endpoint_url, d.location AS location_id,"
    " d.event, d.event_id, d.payload, d.status, d.attempts, d.next_attempt_at, d.retry_until,"
    " d.last_attempt_at, d.last_status_code, d.last_error, d.created_at, d.delivered_at"
)


@dataclass(frozen=True)
class EndpointRow:
    """A receiver of a licence's events: never its signing secret."""

    id: int
    location_id: int
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> EndpointRow:
        return cls(**{**dict(r), "events": tuple(r["events"])})


@dataclass(frozen=True)
class DeliveryRow:
    """One event for one endpoint and how sending it went (payload decoded by the jsonb codec)."""

    id: int
    endpoint_id: int
    endpoint_url: str
    location_id: int
    event: str
    event_id: str
    payload: Any
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    retry_until: datetime
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def from_record(cls, r: Any) -> DeliveryRow:
        return cls(**{**dict(r), "status": DeliveryStatus(r["status"])})


async def list_endpoints(principal: Principal, location_id: int) -> list[EndpointRow]:
    """A licence's receivers, oldest first (never their secrets)."""
    principal.require(Capability.READ, location_id)
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE location = $1 ORDER BY id",
            location_id,
        )
    return [EndpointRow.from_record(r) for r in rows]


async def list_deliveries(
    principal: Principal,
    location_id: int,
    status: DeliveryStatus | None = None,
    endpoint_id: int | None = None,
    first: int = 50,
    after: int | None = None,
) -> Page:
    """The delivery log, newest first: what each receiver was sent and how it answered."""
    principal.require(Capability.READ, location_id)
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_delivery d"
            " JOIN webhook_endpoint e ON e.id = d.endpoint WHERE d.location = $1"
            " AND ($2::text IS NULL OR d.status = $2) AND ($3::int IS NULL OR d.endpoint = $3)"
            f" AND ($4::bigint IS NULL OR d.id < $4) ORDER BY d.id DESC LIMIT {limit + 1}",
            location_id,
            None if status is None else str(status),
            endpoint_id,
            after,
        )
    out = [DeliveryRow.from_record(r) for r in rows]
    return Page(out[:limit], len(out) > limit)


async def endpoint(endpoint_id: int) -> EndpointRow:
    """One endpoint as the API shows it (after a service has checked the caller)."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoint WHERE id = $1", endpoint_id
        )
    if row is None:
        raise NotFound("webhook endpoint", str(endpoint_id))
    return EndpointRow.from_record(row)


async def delivery(delivery_id: int) -> DeliveryRow:
    """One delivery as the API shows it (after a service has checked the caller)."""
    async with db.connection() as conn:
        row = await conn.fetchrow(
            f"SELECT {DELIVERY_COLUMNS} FROM webhook_delivery d"
            " JOIN webhook_endpoint e ON e.id = d.endpoint WHERE d.id = $1",
            delivery_id,
        )
    if row is None:
        raise NotFound("webhook delivery", str(delivery_id))
    return DeliveryRow.from_record(row)
