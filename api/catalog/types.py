"""Product and batch types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.context import Info
from api.enums import Category, LabStatus, Unit
from domain.catalog.queries import BatchRow, ProductRow


@strawberry.type(description="A produced lot: dates, lab result and certificate of analysis.")
class Batch:
    id: strawberry.ID
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
    product_id: strawberry.Private[int]

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return Product.from_domain(await info.context.loaders.product.one(self.product_id))

    @classmethod
    def from_domain(cls, row: BatchRow) -> Batch:
        return cls(
            id=strawberry.ID(str(row.id)),
            producer_batch_number=row.producer_batch_number,
            producer_name=row.producer_name,
            production_date=row.production_date,
            harvest_date=row.harvest_date,
            expires_on=row.expires_on,
            sell_by=row.sell_by,
            lab_status=row.lab_status,
            thc_percent=row.thc_percent,
            cbd_percent=row.cbd_percent,
            certificate_reference=row.certificate_reference,
            product_id=row.product_id,
        )


@strawberry.type(description="A SKU in the operator's catalogue.")
class Product:
    id: strawberry.ID
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

    @strawberry.field(description="Batches of this product, earliest expiry first.")
    async def batches(self, info: Info) -> list[Batch]:
        rows = await info.context.loaders.batches_of_product.load(int(self.id))
        return [Batch.from_domain(r) for r in rows]

    @classmethod
    def from_domain(cls, row: ProductRow) -> Product:
        return cls(
            id=strawberry.ID(str(row.id)),
            sku=row.sku,
            name=row.name,
            category=row.category,
            brand=row.brand,
            strain=row.strain,
            unit=row.unit,
            unit_weight_grams=row.unit_weight_grams,
            thc_mg_per_unit=row.thc_mg_per_unit,
            concentrate_grams_per_unit=row.concentrate_grams_per_unit,
            net_weight_grams=row.net_weight_grams,
            price=row.price,
            unit_cost=row.unit_cost,
            low_stock_threshold=row.low_stock_threshold,
            active=row.active,
        )
