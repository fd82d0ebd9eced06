"""Integration tables: which adapters a location accepts (connections) and what arrived (events).

``integration_event`` is the replay guard and the inbound log at once: one row per event id per
adapter per location, inserted in the same transaction as the change the event made (or, for a
refusal, just after it), so an event id is used once whatever its outcome.
"""

from __future__ import annotations

import enum

from piccolo.columns import (
    JSONB,
    BigSerial,
    Boolean,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.identity.tables import User
from domain.organisation.tables import Location
from domain.webhooks.tables import WebhookEndpoint


class IntegrationKind(enum.StrEnum):
    POS = "pos"
    DELIVERY = "delivery"
    ACCESS = "access"  # door and badge systems (domain.diversion.webhook)


class EventOutcome(enum.StrEnum):
    APPLIED = "applied"  # the domain service accepted it (or replayed an identical earlier one)
    REFUSED = "refused"  # the domain service refused it (typed reason stored in ``result``)


class IntegrationConnection(Table, db=DB):
    """One adapter accepted at one location. The signing secret is encrypted at rest."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    adapter = Varchar(length=64)
    secret = Text(default="")  # Fernet token; see domain.compliance.credentials
    # The user the POS or platform acts as (e.g. a budtender service account): its grant at the
    # location decides what the integration may do, and it is recorded as who sold or reserved.
    acting_user = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    # Delivery only: the outbound endpoint whose reservation webhooks this adapter shapes.
    webhook_endpoint = ForeignKey(
        WebhookEndpoint, null=True, default=None, on_delete=OnDelete.restrict
    )
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    unique_location_adapter = Unique([location, kind, adapter])


class IntegrationEvent(Table, db=DB):
    """One inbound event, and what became of it (the answer a replay is shown)."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    adapter = Varchar(length=64)
    # The sender's id for the event; a second delivery with the same id changes nothing.
    event_id = Varchar(length=200)
    event_type = Varchar(length=32)
    occurred_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz()
    outcome = Varchar(length=16)
    result = JSONB(default="{}")

    unique_event = Unique([location, kind, adapter, event_id])
