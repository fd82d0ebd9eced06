"""Packages, balances and the ledger.

The ledger (``movement``) is append-only: a trigger refuses UPDATE and DELETE (see the migration),
and ``stock_balance`` carries a CHECK that no quantity is negative. Both are written only by
``domain.inventory.ledger.post``.
"""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    BigSerial,
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

from domain.catalog.tables import Batch, Product
from domain.db import DB
from domain.hashchain import GENESIS
from domain.identity.tables import User
from domain.inventory.model import AdjustmentReason, MovementKind, PackageStatus
from domain.organisation.tables import Location, Zone
from domain.quantities import Unit


class Package(Table, db=DB):
    """A state-tagged container of one product from one batch."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    tag = Varchar(length=64)
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict, index=True)
    batch = ForeignKey(Batch, null=True, on_delete=OnDelete.restrict, index=True)
    unit = Varchar(length=16, choices=Unit)
    status = Varchar(length=16, choices=PackageStatus, default=PackageStatus.ACTIVE)
    status_reason = Text(null=True, default=None)
    unit_cost = Numeric(digits=(12, 4), null=True, default=None)
    # Head of this package's hash chain (see domain.hashchain).
    movement_count = Integer(default=0)
    last_hash = Varchar(length=64, default=GENESIS)
    last_counted_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()

    unique_tag = Unique([location, tag])


class StockBalance(Table, db=DB):
    """How much of a package sits in a zone right now."""

    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict)
    zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict, index=True)
    # Not indexed, and no index may cover ``quantity``: then balance updates are HOT (no index
    # maintenance), which is most of what a stock move costs PostgreSQL.
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    quantity = Numeric(digits=(14, 3), default=Decimal(0))
    updated_at = Timestamptz()

    unique_package_zone = Unique([package, zone])
    quantity_not_negative = Check(quantity >= 0)


class Movement(Table, db=DB):
    """One change of stock. Never updated, never deleted.

    Only ``package`` is a foreign key. Location, zones and people are plain ids: a foreign key
    takes a FOR KEY SHARE lock on its parent row, and every concurrent move in a store shares the
    same location, vault and floor rows, so those checks turned into MultiXact contention costing
    a third of PostgreSQL's time per move. The parents are never deleted, the ledger checks that
    zones belong to the package's location, and the audit job re-checks every reference.
    """

    id = BigSerial(primary_key=True)
    location = Integer()
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict)
    sequence = Integer()
    kind = Varchar(length=16, choices=MovementKind)
    from_zone = Integer(null=True, default=None)
    to_zone = Integer(null=True, default=None)
    quantity = Numeric(digits=(14, 3))
    reason = Varchar(length=20, choices=AdjustmentReason, null=True, default=None)
    note = Text(null=True, default=None)
    actor = Integer()
    witness = Integer(null=True, default=None)
    occurred_at = Timestamptz()
    recorded_at = Timestamptz()
    source_document = Varchar(length=200, null=True, default=None)
    idempotency_key = Varchar(length=200, null=True, default=None)
    previous_hash = Varchar(length=64)
    hash = Varchar(length=64)

    unique_sequence = Unique([package, sequence])
    quantity_positive = Check(quantity > 0)
    has_a_zone = Check(from_zone.is_not_null() | to_zone.is_not_null())


class PackageStatusChange(Table, db=DB):
    """Holds, releases and recalls: not quantity changes, but an auditor asks about each one."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict, index=True)
    from_status = Varchar(length=16, choices=PackageStatus)
    to_status = Varchar(length=16, choices=PackageStatus)
    reason = Text()
    actor = ForeignKey(User, null=False, on_delete=OnDelete.restrict)
    occurred_at = Timestamptz()
