"""Samples taken from packages, and each location's rotation schedule for display jars."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
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
from piccolo.constraints import Check
from piccolo.table import Table

from domain.db import DB
from domain.identity.tables import User
from domain.inventory.tables import Package
from domain.organisation.tables import Location, Zone
from domain.samples.model import SampleKind, SampleStatus


class Sample(Table, db=DB):
    """Stock of a package set aside as a sample, logged apart from sales; the sample id is
    ``id``. The stock itself sits in the samples zone through the ledger."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict, index=True)
    # A sample made a child package of its own (a METRC trade sample under a new state tag):
    # the package it was taken from; ``package`` is then the child. None: the stock stayed
    # on the parent's tag.
    parent_package = ForeignKey(Package, null=True, on_delete=OnDelete.restrict, default=None)
    zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, choices=SampleKind)
    status = Varchar(length=16, choices=SampleStatus, default=SampleStatus.OUT)
    quantity = Numeric(digits=(14, 3), default=Decimal(0))
    # Trade samples: who received it (a licence or a name); employee samples: the person.
    recipient = Varchar(length=200, null=True, default=None)
    employee = ForeignKey(User, null=True, on_delete=OnDelete.restrict, default=None)
    note = Text(null=True, default=None)
    rotate_by = Date(null=True, default=None)
    due_alerted = Boolean(default=False)
    taken_by = Integer()
    taken_at = Timestamptz()
    closed_by = Integer(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)

    quantity_positive = Check(quantity > 0)


class SampleRotation(Table, db=DB):
    """How many days a display jar may stay out at this location before it is rotated."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, unique=True)
    every_days = Integer()
    updated_at = Timestamptz()

    at_least_a_day = Check(every_days >= 1)
