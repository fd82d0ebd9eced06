"""Operator → Location (a licence) → Zone."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.organisation.model import ZoneKind


class Operator(Table, db=DB):
    name = Varchar(length=200)
    created_at = Timestamptz()


class Location(Table, db=DB):
    """One licence: the unit the state regulates, reports and audits."""

    operator = ForeignKey(Operator, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    license_number = Varchar(length=64, unique=True)
    state = Varchar(length=2)
    timezone = Varchar(length=64, default="UTC")
    state_system = Varchar(length=32, default="none")
    # Settings are range-checked by the service and by CHECK constraints (hand-written migration
    # 2026-12-01T22:50:00:000007): warn|refuse, 1 to 10080 minutes, 0 to 100 percent.
    # Sales policy: refuse (or only warn) when a later-expiring lot is sold first.
    fefo_policy = Varchar(length=8, default="warn")
    # Whether online orders may be filled from the vault when the floor runs short.
    reserve_from_vault = Boolean(default=False)
    reservation_hold_minutes = Integer(default=60)
    # Receiving: how far a re-weighed package may differ from the manifest without a manager's
    # override (percent), and whether a second person must sign a shipment off.
    receiving_tolerance_pct = Numeric(digits=(5, 2), default=Decimal(2))
    receiving_requires_signoff = Boolean(default=False)
    created_at = Timestamptz()


class Zone(Table, db=DB):
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20, choices=ZoneKind)
    active = Boolean(default=True)
    created_at = Timestamptz()

    unique_zone_name = Unique([location, name])
