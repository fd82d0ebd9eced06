"""Sales (POS receipts) and reservations (online orders holding stock)."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
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
from domain.inventory.tables import Package
from domain.organisation.tables import Location, Zone


class Sale(Table, db=DB):
    """One POS receipt. Its id is the register's receipt number: a retry is the same sale."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    register = Varchar(length=64)
    pos_receipt_id = Varchar(length=100)
    customer_type = Varchar(length=16)
    # An anonymous key from the POS (e.g. a hash of the ID scanned): daily limits need it.
    customer_key = Varchar(length=128, null=True, default=None)
    patient_license = Varchar(length=64, null=True, default=None)
    status = Varchar(length=16, default="completed")
    reservation = BigInt(null=True, default=None)
    external_id = Varchar(length=100)
    total = Numeric(digits=(12, 2), default=Decimal(0))
    warnings = JSONB(default="[]")
    sold_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    occurred_at = Timestamptz()
    voided_at = Timestamptz(null=True, default=None)
    void_reason = Text(null=True, default=None)

    unique_receipt = Unique([location, register, pos_receipt_id])


class SaleLine(Table, db=DB):
    id = BigSerial(primary_key=True)
    sale = BigInt()
    line_number = Integer()
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict)
    zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=(14, 3))
    returned_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    unit_price = Numeric(digits=(12, 2))
    discount = Numeric(digits=(12, 2), default=Decimal(0))
    sales_tax = Numeric(digits=(12, 2), default=Decimal(0))
    excise_tax = Numeric(digits=(12, 2), default=Decimal(0))
    total = Numeric(digits=(12, 2))
    # What the line counted as for purchase limits, frozen at sale time (product edits later
    # must not rewrite a customer's history).
    limit_facts = JSONB(default="{}")
    movement = BigInt()
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    unique_line = Unique([sale, line_number])


class Reservation(Table, db=DB):
    """An online order's stock, moved into a reserved zone until fulfilled, cancelled or expired."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    order_ref = Varchar(length=100)
    channel = Varchar(length=16)
    partner = Varchar(length=64, null=True, default=None)
    customer_key = Varchar(length=128, null=True, default=None)
    status = Varchar(length=16, default="held")
    expires_at = Timestamptz()
    created_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)
    sale = BigInt(null=True, default=None)

    unique_order = Unique([location, order_ref])


class ReservationLine(Table, db=DB):
    id = BigSerial(primary_key=True)
    reservation = BigInt()
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict)
    # Where the stock came from: cancellation and expiry put it back there.
    from_zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict)
    reserved_zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=(14, 3))
    movements = Array(base_column=BigInt(), default=list)
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
