"""The shrinkage report's daily roll-up of the ledger (rebuilt from movements, never edited)."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import Date, ForeignKey, Integer, Numeric, OnDelete, Varchar
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location


class ShrinkageDay(Table, db=DB):
    """One local day's sales (one row: ``kind`` 'sale', the other keys empty) and losses (per
    cause, zone, product and person) at a location, summed from its movements."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    day = Date()
    kind = Varchar(length=8)
    cause = Varchar(length=20)
    zone = Integer()
    product = Integer()
    category = Varchar(length=20)
    actor = Integer()
    units = Numeric(digits=(18, 3), default=Decimal(0))
    grams = Numeric(digits=(18, 3), default=Decimal(0))
    value = Numeric(digits=(20, 4), default=Decimal(0))
    movements = Integer(default=0)

    shrinkage_day_key = Unique([location, day, kind, cause, zone, product, actor])


class ShrinkageRollup(Table, db=DB):
    """Days before ``through`` (local) are rolled up; later ones are read from the ledger."""

    location = ForeignKey(Location, null=False, unique=True, on_delete=OnDelete.restrict)
    through = Date()
