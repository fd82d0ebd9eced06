"""What a licence's managers do with webhooks: register receivers, change them, send a failed
delivery again. Everyone with a grant may read the log (``domain.webhooks.queries``); only roles
that manage the location (managers, admins) may change where its events go.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from domain import db, events, service
from domain.changelog import record as changelog
from domain.compliance import credentials
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from domain.webhooks.outbox import ALL_EVENTS, EVENTS, RETRY_WINDOW
from domain.webhooks.tables import DeliveryStatus

URL_MAX_LENGTH = 2000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
SECRET_PREFIX = "whsec_"
SECRET_MIN_LENGTH = 24
SECRET_MAX_LENGTH = 200


@dataclass(frozen=True)
class CreateEndpoint:
    location_id: int
    url: str
    events: tuple[str, ...] = (ALL_EVENTS,)
    # Write-only. None: one is generated and returned once, by create_endpoint.
    secret: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateEndpoint:
    """Only the fields given change. ``secret`` is write-only (never returned)."""

    endpoint_id: int
    url: str | None = None
    events: tuple[str, ...] | None = None
    active: bool | None = None
    secret: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Redeliver:
    delivery_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class EndpointSaved:
    endpoint_id: int


@dataclass(frozen=True)
class DeliveryRequeued:
    delivery_id: int


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint just created, and its secret: shown this once (None when replayed)."""

    endpoint_id: int
    secret: str | None
    replayed: bool


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def clean_url(url: str) -> str:
    """An https URL, or http to this machine (for development); no credentials in it."""
    url = url.strip()
    if not url or len(url) > URL_MAX_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise ValidationError("url", f"must be a URL of at most {URL_MAX_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise ValidationError("url", "is not a valid URL") from None
    if not host:
        raise ValidationError("url", "must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("url", "must not carry credentials (requests are signed instead)")
    if parts.fragment:
        raise ValidationError("url", "must not have a #fragment")
    if parts.scheme == "https" or (parts.scheme == "http" and host in LOCAL_HOSTS):
        return url
    raise ValidationError("url", "must be https (http only for localhost)")


def clean_events(names: tuple[str, ...] | list[str]) -> list[str]:
    """Known event names, de-duplicated; ``*`` alone stands for every event."""
    chosen = {name.strip() for name in names}
    if not chosen:
        raise ValidationError("events", "subscribe to at least one event (or *)")
    unknown = sorted(chosen - {ALL_EVENTS, *EVENTS})
    if unknown:
        raise ValidationError(
            "events", f"unknown: {', '.join(unknown)}; known: {', '.join(EVENTS)}"
        )
    return [ALL_EVENTS] if ALL_EVENTS in chosen else sorted(chosen)


def _check_secret(secret: str) -> None:
    if not (SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH) or not all(
        33 <= ord(c) < 127 for c in secret
    ):
        raise ValidationError(
            "secret",
            f"must be {SECRET_MIN_LENGTH} to {SECRET_MAX_LENGTH} printable ASCII characters",
        )


async def create_endpoint(
    uow: UnitOfWork, principal: Principal, cmd: CreateEndpoint
) -> NewEndpoint:
    """Start sending a licence's events to a receiver, signed with a new secret.

    The secret is returned here once and stored only encrypted: a receiver that loses it sets a
    new one (``update_endpoint``) or registers again. A replay of the same idempotency key
    returns the same endpoint without the secret.
    """
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    url = clean_url(cmd.url)
    names = clean_events(cmd.events)
    if cmd.secret is not None:
        _check_secret(cmd.secret)
    secret = cmd.secret or generate_secret()
    token = credentials.encrypt({"secret": secret})
    # The secret is not part of what a retry must repeat, nor of the replay record.
    request = replace(cmd, secret=None)

    async def work(uow: UnitOfWork) -> EndpointSaved:
        conn = uow.conn
        endpoint_id = returned(
            await conn.fetchval(
                "INSERT INTO webhook_endpoint (location, url, secret, events, active,"
                " created_at)"
                " VALUES ($1, $2, $3, $4, true, now()) RETURNING id",
                cmd.location_id,
                url,
                token,
                names,
            )
        )
        await changelog.change(
            uow,
            principal,
            "createWebhookEndpoint",
            "webhook endpoint",
            endpoint_id,
            location_id=cmd.location_id,
            after={"url": url, "events": names, "active": True, "secret": token},
        )
        return EndpointSaved(endpoint_id)

    outcome = await service.run(
        uow, principal, "createWebhookEndpoint", request, work, EndpointSaved
    )
    return NewEndpoint(
        outcome.value.endpoint_id, None if outcome.replayed else secret, outcome.replayed
    )


async def _endpoint_location(principal: Principal, endpoint_id: int) -> int:
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM webhook_endpoint WHERE id = $1", endpoint_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("webhook endpoint", str(endpoint_id))
    principal.require(Capability.MANAGE_LOCATION, location_id)
    return location_id


async def update_endpoint(
    uow: UnitOfWork, principal: Principal, cmd: UpdateEndpoint
) -> service.Outcome[EndpointSaved]:
    """Point a receiver elsewhere, change its events or secret, or (de)activate it.

    Deactivating fails its pending deliveries ("endpoint deactivated"): nothing is queued for an
    inactive endpoint, and they can be redelivered once it is active again.
    """
    location_id = await _endpoint_location(principal, cmd.endpoint_id)
    url = clean_url(cmd.url) if cmd.url is not None else None
    names = clean_events(cmd.events) if cmd.events is not None else None
    token = None
    if cmd.secret is not None:
        _check_secret(cmd.secret)
        token = credentials.encrypt({"secret": cmd.secret})
    request = replace(cmd, secret=None)

    async def work(uow: UnitOfWork) -> EndpointSaved:
        conn = uow.conn
        before = returned(
            await conn.fetchrow(
                "SELECT url, events, secret, active FROM webhook_endpoint WHERE id = $1 FOR UPDATE",
                cmd.endpoint_id,
            ),
            "webhook endpoint",
        )
        was_active = before["active"]
        after = await conn.fetchrow(
            "UPDATE webhook_endpoint SET url = coalesce($2, url),"
            " events = coalesce($3, events), secret = coalesce($4, secret),"
            " active = coalesce($5, active) WHERE id = $1 RETURNING url, events, secret, active",
            cmd.endpoint_id,
            url,
            names,
            token,
            cmd.active,
        )
        if was_active and cmd.active is False:
            await conn.execute(
                "UPDATE webhook_delivery SET status = 'failed', last_error = $2"
                " WHERE endpoint = $1 AND status = 'pending'",
                cmd.endpoint_id,
                f"endpoint deactivated by {principal.name}",
            )
        # The signing secret is compared encrypted and logged only as "[redacted]".
        await changelog.change(
            uow,
            principal,
            "updateWebhookEndpoint",
            "webhook endpoint",
            cmd.endpoint_id,
            location_id=location_id,
            before=dict(before),
            after=dict(after) if after else None,
        )
        return EndpointSaved(cmd.endpoint_id)

    return await service.run(uow, principal, "updateWebhookEndpoint", request, work, EndpointSaved)


async def deactivate_endpoint(
    uow: UnitOfWork, principal: Principal, endpoint_id: int, idempotency_key: str | None = None
) -> service.Outcome[EndpointSaved]:
    """Stop sending to a receiver (kept, with its log, so it can be reactivated)."""
    return await update_endpoint(
        uow, principal, UpdateEndpoint(endpoint_id, active=False, idempotency_key=idempotency_key)
    )


async def redeliver(
    uow: UnitOfWork, principal: Principal, cmd: Redeliver
) -> service.Outcome[DeliveryRequeued]:
    """Send a failed delivery again, e.g. after the receiver fixed what made it refuse.

    It gets a fresh retry window and goes ahead of the endpoint's newer pending events (it is the
    oldest); the body is unchanged, so a receiver that already has it dedupes by its event id.
    """
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM webhook_delivery WHERE id = $1", cmd.delivery_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("webhook delivery", str(cmd.delivery_id))
    principal.require(Capability.MANAGE_LOCATION, location_id)

    async def work(uow: UnitOfWork) -> DeliveryRequeued:
        conn = uow.conn
        row = returned(
            await conn.fetchrow(
                "SELECT d.status, e.active FROM webhook_delivery d"
                " JOIN webhook_endpoint e ON e.id = d.endpoint WHERE d.id = $1 FOR UPDATE OF d",
                cmd.delivery_id,
            ),
            "webhook delivery",
        )
        if row["status"] != DeliveryStatus.FAILED:
            raise ValidationError("deliveryId", "only a failed delivery can be redelivered")
        if not row["active"]:
            raise ValidationError("deliveryId", "its endpoint is inactive; reactivate it first")
        await conn.execute(
            "UPDATE webhook_delivery SET status = 'pending', attempts = 0,"
            " next_attempt_at = now(), retry_until = now() + $2::interval,"
            " last_status_code = NULL, last_error = NULL WHERE id = $1",
            cmd.delivery_id,
            RETRY_WINDOW,
        )
        uow.record(events.WebhooksQueued(location_id=location_id))
        return DeliveryRequeued(cmd.delivery_id)

    return await service.run(uow, principal, "redeliverWebhook", cmd, work, DeliveryRequeued)
