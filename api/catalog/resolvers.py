"""Catalogue queries and mutations."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry

from api.catalog.types import Batch, Product
from api.context import Info
from api.enums import Category, LabStatus, Unit
from api.errors import CommonError
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from domain.catalog import queries, services
from domain.service import Outcome


@strawberry.input
class CreateProductInput:
    sku: str
    name: str
    category: Category
    unit: Unit
    price: Decimal
    unit_cost: Decimal
    brand: str | None = None
    strain: str | None = None
    unit_weight_grams: Decimal | None = None
    thc_mg_per_unit: Decimal | None = None
    concentrate_grams_per_unit: Decimal | None = None
    net_weight_grams: Decimal | None = strawberry.field(
        default=None, description="Net weight of one unit (OR/WA cap edibles by weight)."
    )
    low_stock_threshold: Decimal | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed; unit cannot change.")
class ProductChanges:
    sku: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    category: Category | None = strawberry.UNSET
    price: Decimal | None = strawberry.UNSET
    unit_cost: Decimal | None = strawberry.UNSET
    brand: str | None = strawberry.UNSET
    strain: str | None = strawberry.UNSET
    unit_weight_grams: Decimal | None = strawberry.UNSET
    thc_mg_per_unit: Decimal | None = strawberry.UNSET
    concentrate_grams_per_unit: Decimal | None = strawberry.UNSET
    net_weight_grams: Decimal | None = strawberry.UNSET
    low_stock_threshold: Decimal | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class CreateBatchInput:
    product_id: strawberry.ID
    producer_batch_number: str
    producer_name: str | None = None
    production_date: date | None = None
    harvest_date: date | None = None
    expires_on: date | None = None
    sell_by: date | None = None
    lab_status: LabStatus = LabStatus.PENDING
    thc_percent: Decimal | None = None
    cbd_percent: Decimal | None = None
    certificate_reference: str | None = None
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed.")
class BatchChanges:
    producer_batch_number: str | None = strawberry.UNSET
    producer_name: str | None = strawberry.UNSET
    production_date: date | None = strawberry.UNSET
    harvest_date: date | None = strawberry.UNSET
    expires_on: date | None = strawberry.UNSET
    sell_by: date | None = strawberry.UNSET
    lab_status: LabStatus | None = strawberry.UNSET
    thc_percent: Decimal | None = strawberry.UNSET
    cbd_percent: Decimal | None = strawberry.UNSET
    certificate_reference: str | None = strawberry.UNSET


@strawberry.input
class UpdateProductInput:
    id: strawberry.ID
    changes: ProductChanges
    idempotency_key: str | None = None


@strawberry.input
class UpdateBatchInput:
    id: strawberry.ID
    changes: BatchChanges
    idempotency_key: str | None = None


@strawberry.type
class ProductPayload:
    product: Product
    replayed: bool


@strawberry.type
class BatchPayload:
    batch: Batch
    replayed: bool


ProductResult = Annotated[ProductPayload | CommonError, strawberry.union("ProductResult")]
BatchResult = Annotated[BatchPayload | CommonError, strawberry.union("BatchResult")]


def _sent(changes: Any) -> dict[str, Any]:
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not strawberry.UNSET
    }


def _fields(value: Any) -> dict[str, Any]:
    return {
        f.name: getattr(value, f.name)
        for f in dataclasses.fields(value)
        if f.name != "idempotency_key"
    }


@strawberry.type
class CatalogQueries:
    @strawberry.field(description="The operator's catalogue.")
    async def products(
        self,
        info: Info,
        first: int = 50,
        after: str | None = None,
        category: Category | None = None,
        search: str | None = None,
    ) -> Connection[Product]:
        principal = await info.context.principal()
        if principal is None:
            return connection(queries.Page([], False), Product.from_domain)
        page = await queries.products_page(
            principal.operator_id, first, decode_cursor(after), category, search
        )
        return connection(page, Product.from_domain)

    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID) -> Product | None:
        principal = await info.context.principal()
        row = await info.context.loaders.product.load(query_id(id, "product"))
        if principal is None or row is None or row.operator_id != principal.operator_id:
            return None
        return Product.from_domain(row)


async def _product_payload(info: Info, outcome: Outcome) -> ProductPayload:
    info.context.refresh()
    row = await info.context.loaders.product.one(outcome.value.product_id)
    return ProductPayload(product=Product.from_domain(row), replayed=outcome.replayed)


async def _batch_payload(info: Info, outcome: Outcome) -> BatchPayload:
    info.context.refresh()
    row = await info.context.loaders.batch.one(outcome.value.batch_id)
    return BatchPayload(batch=Batch.from_domain(row), replayed=outcome.replayed)


@strawberry.type
class CatalogMutations:
    @strawberry.mutation
    async def create_product(self, info: Info, input: CreateProductInput) -> ProductResult:
        return await mutate(
            info,
            services.create_product,
            lambda: services.CreateProduct(
                services.ProductFields(**_fields(input)), input.idempotency_key
            ),
            lambda o: _product_payload(info, o),
        )

    @strawberry.mutation
    async def update_product(self, info: Info, input: UpdateProductInput) -> ProductResult:
        return await mutate(
            info,
            services.update_product,
            lambda: services.UpdateProduct(
                parse_id(input.id, "product"), _sent(input.changes), input.idempotency_key
            ),
            lambda o: _product_payload(info, o),
        )

    @strawberry.mutation
    async def create_batch(self, info: Info, input: CreateBatchInput) -> BatchResult:
        def command() -> services.CreateBatch:
            values = _fields(input)
            values["product_id"] = parse_id(input.product_id, "product")
            return services.CreateBatch(services.BatchFields(**values), input.idempotency_key)

        return await mutate(info, services.create_batch, command, lambda o: _batch_payload(info, o))

    @strawberry.mutation
    async def update_batch(self, info: Info, input: UpdateBatchInput) -> BatchResult:
        return await mutate(
            info,
            services.update_batch,
            lambda: services.UpdateBatch(
                parse_id(input.id, "batch"), _sent(input.changes), input.idempotency_key
            ),
            lambda o: _batch_payload(info, o),
        )
