"""Repackaging runs (a split or an assembly) and their input and output lines."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from domain.db import DB
from domain.inventory.tables import Package
from domain.organisation.tables import Location


class Repack(Table, db=DB):
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16)  # split | assemble
    actor = Integer()
    packaging_loss = Numeric(digits=(14, 3))
    expected_yield_pct = Numeric(digits=(6, 2), null=True, default=None)
    yield_pct = Numeric(digits=(6, 2), null=True, default=None)
    low_yield = Boolean(default=False)
    note = Text(null=True, default=None)
    occurred_at = Timestamptz()


class RepackLine(Table, db=DB):
    repack = ForeignKey(Repack, null=False, on_delete=OnDelete.restrict, index=True)
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict, index=True)
    role = Varchar(length=8)  # input | output
    quantity = Numeric(digits=(14, 3))
    zone = Integer()
    movement = BigInt(null=True, default=None)
    # The parent's location, copied so the table can be partitioned (or distributed) by
    # location like its parent (tests/test_partition_ready.py).
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
