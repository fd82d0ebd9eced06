"""Destruction records and each location's waste policy (the configured steps)."""

from __future__ import annotations

from piccolo.columns import (
    Array,
    BigInt,
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


class WastePolicy(Table, db=DB):
    """What a location configures where its state's rulebook has no confirmed number.

    A rulebook value, when the state plugin has one, wins; these fill the gaps (IL's 3-day hold
    and WA's 72 hours are unconfirmed, so they are entered here by the operator, not assumed).
    """

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict, unique=True)
    hold_minutes = Integer(null=True, default=None)
    witnesses = Integer(null=True, default=None)
    # How long the state system holds a scheduled destruction before its destroy step (BioTrack).
    state_hold_minutes = Integer(null=True, default=None)
    # Repackaging: a yield below this percentage of the expected yield is flagged.
    min_yield_pct = Numeric(digits=(5, 2), null=True, default=None)
    updated_at = Timestamptz()


class Destruction(Table, db=DB):
    """One lot of waste from scheduling (moved to the waste zone) to its DESTROY movement."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    package = ForeignKey(Package, null=False, on_delete=OnDelete.restrict, index=True)
    waste_zone = Integer()
    quantity = Numeric(digits=(14, 3))
    reason = Varchar(length=20)
    note = Text(null=True, default=None)
    status = Varchar(length=16, default="scheduled")
    scheduled_by = Integer()
    scheduled_at = Timestamptz()
    hold_until = Timestamptz()
    witnesses_required = Integer(default=0)
    method = Text(null=True, default=None)
    waste_weight = Numeric(digits=(14, 3), null=True, default=None)
    mixing_material = Text(null=True, default=None)
    mixing_weight = Numeric(digits=(14, 3), null=True, default=None)
    witnesses = Array(base_column=Integer(), default=list)
    destroyed_by = Integer(null=True, default=None)
    destroyed_at = Timestamptz(null=True, default=None)
    movement = BigInt(null=True, default=None)
    # The state's own second step (BioTrack's inventory_destroy), when it has one.
    state_finish_at = Timestamptz(null=True, default=None)
    state_finished_at = Timestamptz(null=True, default=None)
    state_note = Text(null=True, default=None)
