"""Analytics roll-ups: derived from the ledger, rebuilt whole (location, day) at a time, never
edited in place (see ``domain.analytics.rollup``)."""

from __future__ import annotations

from decimal import Decimal

from piccolo.columns import (
    BigInt,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Unique
from piccolo.table import Table

from domain.db import DB
from domain.organisation.tables import Location

QTY = (18, 3)
MONEY = (22, 6)


class AnalyticsDay(Table, db=DB):
    """One local day's flows at a location for one product, batch (0: none) and vendor (the
    shipper's licence, else its name; '' when the package did not come from a shipment)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    day = Date()
    product = Integer()
    batch = Integer(index=True)
    vendor = Varchar(length=200)
    vendor_name = Varchar(length=200)
    sold_qty = Numeric(digits=QTY, default=Decimal(0))
    gross = Numeric(digits=MONEY, default=Decimal(0))
    discount = Numeric(digits=MONEY, default=Decimal(0))
    cogs = Numeric(digits=MONEY, default=Decimal(0))
    received_qty = Numeric(digits=QTY, default=Decimal(0))
    received_value = Numeric(digits=MONEY, default=Decimal(0))
    flow_qty = Numeric(digits=QTY, default=Decimal(0))
    flow_value = Numeric(digits=MONEY, default=Decimal(0))
    loss_value = Numeric(digits=MONEY, default=Decimal(0))
    known_loss_value = Numeric(digits=MONEY, default=Decimal(0))

    analytics_day_key = Unique([location, day, product, batch, vendor])


class AnalyticsMonth(Table, db=DB):
    """``AnalyticsDay`` summed per calendar month (``month`` is its first day) and product and
    vendor (batches left out: a product sells from many over two years): a two-year report
    reads 24 of these per key plus the days of the partial months at its edges."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    month = Date()
    product = Integer()
    vendor = Varchar(length=200)
    vendor_name = Varchar(length=200)
    sold_qty = Numeric(digits=QTY, default=Decimal(0))
    gross = Numeric(digits=MONEY, default=Decimal(0))
    discount = Numeric(digits=MONEY, default=Decimal(0))
    cogs = Numeric(digits=MONEY, default=Decimal(0))
    received_qty = Numeric(digits=QTY, default=Decimal(0))
    received_value = Numeric(digits=MONEY, default=Decimal(0))
    flow_qty = Numeric(digits=QTY, default=Decimal(0))
    flow_value = Numeric(digits=MONEY, default=Decimal(0))
    loss_value = Numeric(digits=MONEY, default=Decimal(0))
    known_loss_value = Numeric(digits=MONEY, default=Decimal(0))

    analytics_month_key = Unique([location, month, product, vendor])


class AnalyticsBatch(Table, db=DB):
    """A batch's life at a location to date: first received, received and sold in all (what
    sell-through reads, without summing two years of days)."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    batch = Integer()
    product = Integer()
    first_received = Date(null=True, default=None, index=True)
    received_qty = Numeric(digits=QTY, default=Decimal(0))
    sold_qty = Numeric(digits=QTY, default=Decimal(0))

    analytics_batch_key = Unique([location, batch])


class AnalyticsStockDay(Table, db=DB):
    """What a location held of a category at the end of a local day, at landed cost."""

    location = ForeignKey(Location, null=False, on_delete=OnDelete.restrict)
    day = Date()
    category = Varchar(length=20)
    closing_qty = Numeric(digits=QTY, default=Decimal(0))
    closing_value = Numeric(digits=MONEY, default=Decimal(0))

    analytics_stock_day_key = Unique([location, day, category])


class AnalyticsRollup(Table, db=DB):
    """Where each location's roll-up stands: the highest movement id the kicked runs and the
    nightly sweep have read (hints for which days to recompute, never sums)."""

    location = ForeignKey(Location, null=False, unique=True, on_delete=OnDelete.restrict)
    seen_movement = BigInt(default=0)
    swept_movement = BigInt(default=0)
    rolled_at = Timestamptz()
