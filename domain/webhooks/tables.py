"""Webhook tables: where a licence's events go (endpoints) and what was sent (deliveries).

``webhook_delivery`` is both the outbox and the delivery log: one row per event per endpoint,
written with the change itself and updated by every attempt, so Postgres (never Redis) says what
a receiver has and has not been told.
"""

from __future__ import annotations

import enum

from piccolo.columns import (
    JSONB,
    Array,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first attempt, in flight, or backing off
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # refused (4xx), gave up retrying, or its endpoint was deactivated


class WebhookEndpoint(Table, db=DB):
    """A receiver's URL for one licence's events. The signing secret is encrypted at rest."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    url = Varchar(length=2000)
    secret = Text(default="")  # Fernet token; see domain.compliance.credentials
    # Event names it wants ("reservation.created", ...); "*" for every event.
    events = Array(base_column=Varchar(length=64), default=list)
    active = Boolean(default=True)
    created_at = Timestamptz()


class WebhookDelivery(Table, db=DB):
    """One event for one endpoint: the outbox row, then the log of how sending it went."""

    id = BigSerial(primary_key=True)
    endpoint = ForeignKey(WebhookEndpoint, null=False, on_delete=OnDelete.restrict)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    event = Varchar(length=64)
    # The caller's stable id for the event (e.g. "reservation:42:expired"); receivers dedupe by it.
    event_id = Varchar(length=200)
    payload = JSONB(default="{}")
    status = Varchar(length=16, default=DeliveryStatus.PENDING.value)
    attempts = Integer(default=0)
    # When the next attempt may start; while an attempt is in flight, when its claim lapses.
    next_attempt_at = Timestamptz()
    # Retryable failures stop being retried after this (reset when a person redelivers).
    retry_until = Timestamptz()
    last_attempt_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(null=True, default=None)
    created_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)

    # A retried enqueue of the same event never sends it twice.
    unique_endpoint_event = Unique([endpoint, event_id])
