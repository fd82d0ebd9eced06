"""Compliance tables: state connections, the state-report outbox, sync leases, reconciliation."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
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


class StateConnection(Table, db=DB):
    """How one licence reaches its state system. Credentials are encrypted at rest."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, unique=True)
    system = Varchar(length=32)
    base_url = Varchar(length=300)
    credentials = Text(default="")  # Fernet token; see domain.compliance.credentials
    settings = JSONB(default="{}")
    enabled = Boolean(default=True)
    updated_at = Timestamptz()


class StateReport(Table, db=DB):
    """The outbox: one row per thing the state must learn, written with the movement itself."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)
    status = Varchar(length=16, default="pending")
    movements = Array(base_column=BigInt(), default=list)
    tags = Array(base_column=Varchar(length=64), default=list)
    payload = JSONB(default="{}")
    # Our id as the state will know it (METRC ExternalReceiptNumber, CCRS ExternalIdentifier).
    external_id = Varchar(length=100)
    attempts = Integer(default=0)
    outcome_unknown = Boolean(default=False)
    occurred_at = Timestamptz()
    next_attempt_at = Timestamptz()
    deadline_at = Timestamptz(null=True, default=None)
    overdue_alerted = Boolean(default=False)
    last_error = Text(null=True, default=None)
    state_ids = Array(base_column=Varchar(length=100), default=list)
    # What the state showed just before we first sent it (lets a lost answer be read back).
    snapshot = JSONB(null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()

    unique_external_id = Unique([location, external_id])


class StateSync(Table, db=DB):
    """One row per licence: who is draining its reports right now (a lease, not a lock)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, unique=True)
    lease_owner = Varchar(length=100, null=True, default=None)
    lease_until = Timestamptz(null=True, default=None)
    last_attempt_at = Timestamptz(null=True, default=None)
    last_success_at = Timestamptz(null=True, default=None)
    last_error = Text(null=True, default=None)
    last_error_at = Timestamptz(null=True, default=None)
    # The state's packages are mirrored up to here (the next pull starts a little before).
    packages_synced_until = Timestamptz(null=True, default=None)


class ReconciliationRun(Table, db=DB):
    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    status = Varchar(length=16, default="running")
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    packages_compared = Integer(default=0)
    discrepancies_found = Integer(default=0)
    error = Text(null=True, default=None)


class Discrepancy(Table, db=DB):
    """A lasting record of one difference between our books and the state's, until resolved."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    tag = Varchar(length=64)
    kind = Varchar(length=24)
    our_quantity = Numeric(digits=(14, 3), null=True, default=None)
    state_quantity = Numeric(digits=(14, 3), null=True, default=None)
    difference = Numeric(digits=(14, 3), default=Decimal(0))
    our_status = Varchar(length=16, null=True, default=None)
    state_status = Varchar(length=32, null=True, default=None)
    suspected_cause = Text(null=True, default=None)
    # A state record we could not take as it is (kind malformed_state_record): its raw values.
    state_raw = Text(null=True, default=None)
    # Three-way view: what an approved count found on the shelf, and that count session.
    physical_quantity = Numeric(digits=(14, 3), null=True, default=None)
    count_session = BigInt(null=True, default=None)
    first_seen_run = BigInt()
    last_seen_run = BigInt()
    first_seen_at = Timestamptz()
    last_seen_at = Timestamptz()
    status = Varchar(length=16, default="open")
    owner = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    resolution = Varchar(length=24, null=True, default=None)
    resolution_note = Text(null=True, default=None)
    resolved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    resolved_at = Timestamptz(null=True, default=None)


class StatePackageMirror(Table, db=DB, tablename="state_package"):
    """What the state last told us about each package (refreshed by day windows)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    tag = Varchar(length=64)
    quantity = Numeric(digits=(14, 3), default=Decimal(0))
    unit = Varchar(length=32, default="")
    status = Varchar(length=16, default="active")
    item_name = Varchar(length=200, null=True, default=None)
    last_modified = Timestamptz(null=True, default=None)
    synced_at = Timestamptz()
    # Set when the state's record could not be taken as it is; ``raw`` holds what it said.
    problem = Text(null=True, default=None)
    # The column's name shadows piccolo's ``Table.raw`` query method, which nothing calls on this
    # table (its SQL runs through asyncpg); renaming the column is not worth a migration.
    raw = Text(null=True, default=None)  # pyright: ignore[reportAssignmentType]

    unique_mirror_tag = Unique([location, tag])


class AdjustmentReasonMap(Table, db=DB):
    """Which of the state's adjustment reasons each of ours is sent as, per licence.

    Set by a person (compliance), never guessed at send time: an adjustment whose reason has no
    row here is held, not sent under a reason nobody chose.
    """

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    reason = Varchar(length=32)  # ours: domain.inventory.model.AdjustmentReason
    state_reason = Varchar(length=200)
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    updated_at = Timestamptz()

    unique_reason_map = Unique([location, reason])


class StateAdjustmentReason(Table, db=DB):
    """The state's adjustment reasons for a licence as last fetched, with what each requires."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    requires_note = Boolean(default=False)
    requires_waste_weight = Boolean(default=False)
    fetched_at = Timestamptz()

    unique_state_reason = Unique([location, name])
