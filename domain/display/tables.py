"""A location's floor-display settings (one row per location; defaults when absent)."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location


class FloorDisplaySetting(Table, db=DB):
    location = ForeignKey(Location, null=False, unique=True, on_delete=OnDelete.restrict)
    # Stock expiring within this many days is flagged (or hidden) on the display.
    expiring_days = Integer(default=14)
    expiring_mode = Varchar(length=8, default="flag")  # flag | hide
    updated_at = Timestamptz()
