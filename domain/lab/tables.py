"""Lab samples sent to testing labs, and lab results recorded against batches."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    JSONB,
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
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from domain.catalog.tables import Batch
from domain.db import DB
from domain.inventory.tables import Package
from domain.lab.model import LabSampleStatus
from domain.organisation.tables import Location, Zone


class LabSample(Table, db=DB):
    """Product weighed out for a lab: into the QA/testing zone, then out to the lab."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict, index=True)
    batch = ForeignKey(Batch, null=True, on_delete=OnDelete.restrict, default=None)
    zone = ForeignKey(Zone, null=False, on_delete=OnDelete.restrict)
    # The lab's own sample id (on its chain-of-custody form) and its licence.
    sample_code = Varchar(length=64)
    lab_license = Varchar(length=64)
    quantity = Numeric(digits=(14, 3), default=Decimal(0))
    returned_quantity = Numeric(digits=(14, 3), null=True, default=None)
    status = Varchar(length=16, choices=LabSampleStatus, default=LabSampleStatus.CREATED)
    note = Text(null=True, default=None)
    created_by = Integer()
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)

    quantity_positive = Check(quantity > 0)
    unique_sample_code = Unique([location, lab_license, sample_code])


class LabResult(Table, db=DB):
    """One certificate of analysis for a batch, entered by staff or pulled from the state."""

    id = BigSerial(primary_key=True)
    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, index=True)
    batch = ForeignKey(Batch, null=False, on_delete=OnDelete.restrict, index=True)
    lab_sample = ForeignKey(LabSample, null=True, on_delete=OnDelete.restrict, default=None)
    lab_license = Varchar(length=64, null=True, default=None)
    thc_percent = Numeric(digits=(6, 3), null=True, default=None)
    cbd_percent = Numeric(digits=(6, 3), null=True, default=None)
    # [{"name", "passed", "value", "unit"}], values as strings.
    analytes = JSONB(default=[])
    passed = Boolean()
    coa_url = Varchar(length=500, null=True, default=None)
    # "entered" or the state system it came from; a pulled result's id there (never twice).
    source = Varchar(length=32, default="entered")
    state_result_id = Varchar(length=64, null=True, default=None)
    recorded_by = Integer(null=True, default=None)
    recorded_at = Timestamptz()

    unique_state_result = Unique([location, source, state_result_id])
