"""Read models for products and batches (operator-wide catalogue)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain import db
from domain.catalog.model import Category, LabStatus
from domain.inventory.queries import MAX_PAGE, Page
from domain.quantities import Unit

PRODUCT_COLUMNS = (
    "id, operator AS operator_id, sku, name, category, brand, strain, unit, unit_weight_grams,"
    " thc_mg_per_unit, concentrate_grams_per_unit, net_weight_grams, price, unit_cost,"
    " low_stock_threshold, active, created_at"
)
BATCH_COLUMNS = (
    "id, product AS product_id, producer_batch_number, producer_name, production_date,"
    " harvest_date, expires_on, sell_by, lab_status, thc_percent, cbd_percent,"
    " certificate_reference, created_at"
)


@dataclass(frozen=True)
class ProductRow:
    """A SKU of the operator's catalogue."""

    id: int
    operator_id: int
    sku: str
    name: str
    category: Category
    brand: str | None
    strain: str | None
    unit: Unit
    unit_weight_grams: Decimal | None
    thc_mg_per_unit: Decimal | None
    concentrate_grams_per_unit: Decimal | None
    net_weight_grams: Decimal | None
    price: Decimal
    unit_cost: Decimal
    low_stock_threshold: Decimal | None
    active: bool
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> ProductRow:
        return cls(**{**dict(r), "category": Category(r["category"]), "unit": Unit(r["unit"])})


@dataclass(frozen=True)
class BatchRow:
    """A produced lot of a product: its dates and lab result."""

    id: int
    product_id: int
    producer_batch_number: str
    producer_name: str | None
    production_date: date | None
    harvest_date: date | None
    expires_on: date | None
    sell_by: date | None
    lab_status: LabStatus
    thc_percent: Decimal | None
    cbd_percent: Decimal | None
    certificate_reference: str | None
    created_at: datetime

    @classmethod
    def from_record(cls, r: Any) -> BatchRow:
        return cls(**{**dict(r), "lab_status": LabStatus(r["lab_status"])})


async def products_by_ids(ids: Sequence[int]) -> list[ProductRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {PRODUCT_COLUMNS} FROM product WHERE id = ANY($1::int[])", list(ids)
        )
    return [ProductRow.from_record(r) for r in rows]


async def batches_by_ids(ids: Sequence[int]) -> list[BatchRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {BATCH_COLUMNS} FROM batch WHERE id = ANY($1::int[])", list(ids)
        )
    return [BatchRow.from_record(r) for r in rows]


async def products_page(
    operator_id: int,
    first: int,
    after: int | None,
    category: str | None = None,
    search: str | None = None,
) -> Page:
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {PRODUCT_COLUMNS} FROM product WHERE operator = $1"
            " AND ($2::int IS NULL OR id > $2) AND ($3::text IS NULL OR category = $3)"
            " AND ($4::text IS NULL OR name ILIKE '%' || $4 || '%' OR sku ILIKE '%' || $4 || '%')"
            f" ORDER BY id LIMIT {limit + 1}",
            operator_id,
            after,
            category,
            search,
        )
    out = [ProductRow.from_record(r) for r in rows]
    return Page(out[:limit], len(out) > limit)


async def batches_of_product(product_ids: Sequence[int]) -> list[BatchRow]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {BATCH_COLUMNS} FROM batch WHERE product = ANY($1::int[])"
            " ORDER BY product, expires_on NULLS LAST, id",
            list(product_ids),
        )
    return [BatchRow.from_record(r) for r in rows]
