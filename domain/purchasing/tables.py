"""Vendors, the products they sell us, and purchase orders with their lines and receipts."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    Array,
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
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from domain.catalog.tables import Product
from domain.db import DB
from domain.identity.tables import User
from domain.organisation.tables import Location, Operator


class Vendor(Table, db=DB):
    """A licensed business the operator buys from (operator-wide, like the catalogue)."""

    operator = ForeignKey(Operator, null=False, on_delete=OnDelete.restrict, index=True)
    # The vendor's state licence (a distributor's or cultivator's), as on its manifests.
    license_number = Varchar(length=64, null=True, default=None)
    name = Varchar(length=200)
    contact_name = Varchar(length=200, null=True, default=None)
    contact_email = Varchar(length=320, null=True, default=None)
    contact_phone = Varchar(length=40, null=True, default=None)
    # Weekdays the vendor takes orders (0 = Monday); empty: any day.
    order_weekdays = Array(base_column=Integer(), default=list)
    default_lead_time_days = Integer(default=7)
    payment_terms = Varchar(length=100, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    vendor_name_unique = Unique([operator, name])
    vendor_lead_time_sane = Check((default_lead_time_days >= 0) & (default_lead_time_days <= 365))


class VendorProduct(Table, db=DB):
    """What one vendor sells of one of our products: how it is packed, the least it sells, what
    it last cost and which vendor is preferred for it."""

    vendor = ForeignKey(Vendor, null=False, on_delete=OnDelete.restrict)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict, index=True)
    case_pack = Numeric(digits=(14, 3), default=Decimal(1))
    minimum_order = Numeric(digits=(14, 3), default=Decimal(0))
    last_cost = Numeric(digits=(12, 4), null=True, default=None)
    vendor_sku = Varchar(length=64, null=True, default=None)
    preferred = Boolean(default=False)
    updated_at = Timestamptz()

    vendor_product_unique = Unique([vendor, product])
    vendor_product_amounts = Check((case_pack > 0) & (minimum_order >= 0))


class PurchaseOrder(Table, db=DB):
    """One order to one vendor for one licence, from draft to closed (``lifecycle``)."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    vendor = ForeignKey(Vendor, null=False, on_delete=OnDelete.restrict, index=True)
    reference = Varchar(length=64)
    expected_date = Date(null=True, default=None)
    note = Text(null=True, default=None)
    status = Varchar(length=24, default="draft")
    created_by = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    approved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    approved_at = Timestamptz(null=True, default=None)
    sent_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.restrict)
    sent_at = Timestamptz(null=True, default=None)
    # The first receipt completed against it: its sent_at → received_at is a lead-time sample.
    first_received_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    # Why it was closed short or cancelled.
    reason = Text(null=True, default=None)

    purchase_order_reference_unique = Unique([location, reference])


class PurchaseOrderLine(Table, db=DB):
    """One product on an order: what was ordered, at what cost, and how its receipts went."""

    id = BigSerial(primary_key=True)
    purchase_order = BigInt(index=True)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict)
    expected_quantity = Numeric(digits=(14, 3))
    unit_cost = Numeric(digits=(12, 4), null=True, default=None)
    received_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    rejected_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    # Ordered, neither received nor refused: expected - received - rejected, never below 0.
    short_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    purchase_order_line_product_unique = Unique([purchase_order, product])


class PurchaseOrderReceipt(Table, db=DB):
    """What one completed shipment brought of one order line (a line may arrive in several)."""

    id = BigSerial(primary_key=True)
    purchase_order = BigInt(index=True)
    line = BigInt()
    shipment = BigInt()
    received_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    rejected_quantity = Numeric(digits=(14, 3), default=Decimal(0))
    received_at = Timestamptz()
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)

    purchase_order_receipt_unique = Unique([shipment, line])
