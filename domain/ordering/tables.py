"""The service level each category's suggestions aim for, set per location by its managers."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Numeric, OnDelete, Timestamptz, Varchar
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from domain.catalog.model import Category
from domain.db import DB
from domain.organisation.tables import Location


class OrderingPolicy(Table, db=DB):
    """A category's cycle service level at a location (the chance a cycle ends without running
    out); categories without a row use ``domain.ordering.policy.DEFAULT_SERVICE_LEVEL``."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    category = Varchar(length=20, choices=Category)
    service_level = Numeric(digits=(5, 4))
    updated_at = Timestamptz()

    unique_category = Unique([location, category])
    a_probability = Check((service_level >= 0.5) & (service_level < 1))
