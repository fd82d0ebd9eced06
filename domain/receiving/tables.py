"""Shipments, their manifest packages, receiving sessions, checklist answers and scans."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    BigInt,
    BigSerial,
    Boolean,
    Date,
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

from domain.catalog.tables import Product
from domain.db import DB
from domain.identity.tables import User
from domain.organisation.tables import Location


class Shipment(Table, db=DB):
    """One inbound delivery (a state manifest, or entered by hand / from a CSV manifest)."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    source = Varchar(length=16)  # state | manual | csv
    state_transfer_id = Varchar(length=64, null=True, default=None)
    state_delivery_id = Varchar(length=64, null=True, default=None)
    manifest_number = Varchar(length=64)
    shipper_license = Varchar(length=64, null=True, default=None)
    shipper_name = Varchar(length=200, null=True, default=None)
    transporter = Varchar(length=200, null=True, default=None)
    driver_name = Varchar(length=200, null=True, default=None)
    estimated_arrival = Timestamptz(null=True, default=None)
    purchase_order = BigInt(null=True, default=None)
    status = Varchar(length=16, default="expected")
    created_at = Timestamptz()

    shipment_manifest_unique = Unique([location, manifest_number])


class ShipmentPackage(Table, db=DB):
    id = BigSerial(primary_key=True)
    shipment = BigInt()
    tag = Varchar(length=64)
    item_name = Varchar(length=200)
    product = ForeignKey(Product, null=True, default=None, on_delete=OnDelete.restrict)
    batch_number = Varchar(length=64, null=True, default=None)
    shipped_quantity = Numeric(digits=(14, 3))
    unit = Varchar(length=16)
    # The state's lab testing state (TestPassed, TestFailed, NotSubmitted...) or ours.
    lab_state = Varchar(length=32, null=True, default=None)
    unit_cost = Numeric(digits=(12, 4), null=True, default=None)
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    shipment_package_tag_unique = Unique([shipment, tag])


class ReceivingSession(Table, db=DB):
    id = BigSerial(primary_key=True)
    shipment = BigInt(unique=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    received_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    vehicle = Varchar(length=100, null=True, default=None)
    driver_name = Varchar(length=200, null=True, default=None)
    driver_license = Varchar(length=64, null=True, default=None)
    transporter = Varchar(length=200, null=True, default=None)
    arrived_at = Timestamptz()
    status = Varchar(length=16, default="open")
    signed_off_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    completed_at = Timestamptz(null=True, default=None)
    # What to accept and reject in the state's web UI (METRC has no API for it).
    state_task = JSONB(null=True, default=None)


class ChecklistAnswer(Table, db=DB):
    id = BigSerial(primary_key=True)
    session = BigInt()
    key = Varchar(length=64)
    label = Varchar(length=200)
    required = Boolean(default=True)
    answer = Varchar(length=16)
    note = Text(null=True, default=None)
    answered_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    answered_at = Timestamptz()
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    checklist_answer_key_unique = Unique([session, key])


class PackageScan(Table, db=DB):
    """One decision per manifest package per session (a second scan of a tag is refused)."""

    id = BigSerial(primary_key=True)
    session = BigInt()
    shipment_package = BigInt()
    tag = Varchar(length=64)
    decision = Varchar(length=16)
    received_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    measured_quantity = Numeric(digits=(14, 3), null=True, default=None)
    reason = Text(null=True, default=None)
    override_reason = Text(null=True, default=None)
    override_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    certificate_reference = Varchar(length=200, null=True, default=None)
    expires_on = Date(null=True, default=None)
    scanned_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    scanned_at = Timestamptz()
    sequence = Integer(default=0)
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    package_scan_tag_unique = Unique([session, tag])


class ChecklistTemplate(Table, db=DB):
    """A location's own checklist (when absent, the defaults in ``model.DEFAULT_CHECKLIST``)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    key = Varchar(length=64)
    label = Varchar(length=200)
    required = Boolean(default=True)
    position = Integer(default=0)

    checklist_template_key_unique = Unique([location, key])
