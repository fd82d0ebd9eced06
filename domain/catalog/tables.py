"""Catalogue tables: a product is the operator's SKU, a batch its produced lot."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Numeric,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from domain.catalog.model import Category, LabStatus
from domain.db import DB
from domain.organisation.tables import Operator
from domain.quantities import Unit


class Product(Table, db=DB):
    operator = ForeignKey(Operator, null=False, on_delete=OnDelete.restrict, index=True)
    sku = Varchar(length=64)
    name = Varchar(length=200)
    category = Varchar(length=20, choices=Category)
    brand = Varchar(length=100, null=True, default=None)
    strain = Varchar(length=100, null=True, default=None)
    unit = Varchar(length=16, choices=Unit)
    # Net cannabis weight of one "each" unit (a 1 g pre-roll, a 0.5 g cartridge).
    unit_weight_grams = Numeric(digits=(12, 3), null=True, default=None)
    # THC per "each" unit, or per gram for products sold by weight.
    thc_mg_per_unit = Numeric(digits=(12, 3), null=True, default=None)
    # Concentrate contained in one unit (CA counts it against the concentrate limit).
    concentrate_grams_per_unit = Numeric(digits=(12, 3), null=True, default=None)
    # Net weight of one unit, packaging excluded (OR and WA cap edibles and drinks by weight).
    net_weight_grams = Numeric(digits=(12, 3), null=True, default=None)
    price = Numeric(digits=(12, 2))
    unit_cost = Numeric(digits=(12, 4))
    low_stock_threshold = Numeric(digits=(14, 3), null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz()

    unique_sku = Unique([operator, sku])
    price_not_negative = Check((price >= 0) & (unit_cost >= 0))


class Batch(Table, db=DB):
    product = ForeignKey(Product, null=False, on_delete=OnDelete.restrict, index=True)
    producer_batch_number = Varchar(length=64)
    producer_name = Varchar(length=200, null=True, default=None)
    production_date = Date(null=True, default=None)
    harvest_date = Date(null=True, default=None)
    expires_on = Date(null=True, default=None)
    sell_by = Date(null=True, default=None)
    lab_status = Varchar(length=16, choices=LabStatus, default=LabStatus.PENDING)
    thc_percent = Numeric(digits=(6, 3), null=True, default=None)
    cbd_percent = Numeric(digits=(6, 3), null=True, default=None)
    certificate_reference = Varchar(length=200, null=True, default=None)
    created_at = Timestamptz()

    unique_batch_number = Unique([product, producer_batch_number])
