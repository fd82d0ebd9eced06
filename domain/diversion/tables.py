"""Access events, badges, shifts, per-location thresholds, the flags and the evaluation cursor."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
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
from domain.diversion.model import AccessDirection, FlagStatus, Rule, Severity
from domain.identity.tables import User
from domain.organisation.tables import Location, Zone


class Badge(Table, db=DB):
    """A door system's badge, mapped to the person who carries it."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    code = Varchar(length=100)
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()

    badge_code_unique = Unique([location, code])


class AccessEvent(Table, db=DB):
    """A door or badge reader's event. Unknown zones and badges are kept (``zone``/``user``
    null, the references as sent) and flagged, never dropped."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    source = Varchar(length=100)
    event_id = Varchar(length=200)
    occurred_at = Timestamptz()
    direction = Varchar(length=16, choices=AccessDirection)
    zone_ref = Varchar(length=100)
    badge_ref = Varchar(length=100)
    zone = ForeignKey(Zone, null=True, default=None, on_delete=OnDelete.restrict)
    user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    recorded_at = Timestamptz()

    access_event_unique = Unique([location, source, event_id])


class Shift(Table, db=DB):
    """A person's scheduled shift, or one opened by a clock-in (``ends_at`` null until the
    clock-out)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    user = ForeignKey(User, null=False, on_delete=OnDelete.restrict, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)
    source = Varchar(length=16)  # schedule or clock
    created_at = Timestamptz()


class DiversionSettings(Table, db=DB):
    """A location's thresholds (``model.Thresholds`` field -> value as text); absent: defaults."""

    location = ForeignKey(Location, null=False, unique=True, on_delete=OnDelete.restrict)
    thresholds = JSONB(default={})
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    updated_at = Timestamptz()


class DiversionFlag(Table, db=DB):
    """A rule's finding. Raised once per (location, rule, evidence key); then reviewed."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    rule = Varchar(length=32, choices=Rule)
    severity = Varchar(length=8, choices=Severity)
    evidence_key = Varchar(length=200)
    summary = Text()
    subject_user = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    movement_ids = JSONB(default=[])
    access_event_ids = JSONB(default=[])
    facts = JSONB(default={})
    status = Varchar(length=16, choices=FlagStatus, default=FlagStatus.OPEN)
    raised_at = Timestamptz()
    reviewed_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    reviewed_at = Timestamptz(null=True, default=None)
    review_note = Text(null=True, default=None)

    diversion_flag_evidence_unique = Unique([location, rule, evidence_key])


class DiversionCursor(Table, db=DB):
    """How far the incremental evaluation has read a location's movements and access events."""

    location = ForeignKey(Location, null=False, unique=True, on_delete=OnDelete.restrict)
    last_movement = BigInt(default=0)
    last_access_event = BigInt(default=0)
    evaluated_at = Timestamptz()
    runs = Integer(default=0)
