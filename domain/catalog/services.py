"""Products and batches: what the operator sells, and the lots it arrives in."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db, service
from domain.catalog.model import Category, LabStatus
from domain.changelog import record as changelog
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.identity.principal import Principal
from domain.numbers import DecimalRefused, Problem, parse_decimal
from domain.quantities import MAX_QUANTITY, Unit
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ProductFields:
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
    net_weight_grams: Decimal | None = None
    low_stock_threshold: Decimal | None = None


@dataclass(frozen=True)
class CreateProduct:
    product: ProductFields
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateProduct:
    product_id: int
    changes: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ProductSaved:
    product_id: int


@dataclass(frozen=True)
class BatchFields:
    product_id: int
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


@dataclass(frozen=True)
class CreateBatch:
    batch: BatchFields
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateBatch:
    batch_id: int
    changes: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class BatchSaved:
    batch_id: int


PRODUCT_COLUMNS = {f.name for f in fields(ProductFields)}
BATCH_COLUMNS = {f.name for f in fields(BatchFields)} - {"product_id"}
_MONEY_FIELDS = ("price", "unit_cost")
_AMOUNT_FIELDS = (
    "unit_weight_grams",
    "thc_mg_per_unit",
    "concentrate_grams_per_unit",
    "net_weight_grams",
    "low_stock_threshold",
)
_CAMEL = {
    "unit_cost": "unitCost",
    "unit_weight_grams": "unitWeightGrams",
    "thc_mg_per_unit": "thcMgPerUnit",
    "concentrate_grams_per_unit": "concentrateGramsPerUnit",
    "net_weight_grams": "netWeightGrams",
    "low_stock_threshold": "lowStockThreshold",
    "thc_percent": "thcPercent",
    "cbd_percent": "cbdPercent",
    "producer_batch_number": "producerBatchNumber",
    "producer_name": "producerName",
    "certificate_reference": "certificateReference",
    "lab_status": "labStatus",
    "expires_on": "expiresOn",
    "sell_by": "sellBy",
}


def _amount(name: str, value: Any, places: int, maximum: Decimal) -> None:
    if value is None:
        return
    try:
        parse_decimal(value, places=places, maximum=maximum, floats="exact")
    except DecimalRefused as refused:
        if refused.problem is Problem.NOT_A_NUMBER:
            raise ValidationError(_CAMEL.get(name, name), "is not a number") from None
        raise ValidationError(
            _CAMEL.get(name, name), f"must be between 0 and {maximum} with at most {places} places"
        ) from None


# Text columns and their widths in the tables: (longest, required). Checked here so a long brand
# or an explicit null is the caller's ValidationError, not the database's refusal.
_PRODUCT_TEXT = {
    "sku": (64, True),
    "name": (200, True),
    "brand": (100, False),
    "strain": (100, False),
}
_BATCH_TEXT = {
    "producer_batch_number": (64, True),
    "producer_name": (200, False),
    "certificate_reference": (200, False),
}
# Columns an update may change but never empty.
_PRODUCT_REQUIRED = ("category", "price", "unit_cost", "active")
_BATCH_REQUIRED = ("lab_status",)


def _check_text(values: dict[str, Any], columns: dict[str, tuple[int, bool]]) -> None:
    for name, (longest, required) in columns.items():
        if name not in values or (values[name] is None and not required):
            continue
        text = values[name]
        if text is None or len(text) > longest or (required and not text.strip()):
            shape = f"must be 1 to {longest} characters" if required else f"at most {longest}"
            raise ValidationError(_CAMEL.get(name, name), shape)


def _check_required(values: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in values and values[name] is None:
            raise ValidationError(_CAMEL.get(name, name), "cannot be empty")


def _check_product(values: dict[str, Any]) -> None:
    _check_text(values, _PRODUCT_TEXT)
    _check_required(values, _PRODUCT_REQUIRED)
    for name in _MONEY_FIELDS:
        _amount(name, values.get(name), 4, Decimal(1_000_000))
    for name in _AMOUNT_FIELDS:
        _amount(name, values.get(name), 3, MAX_QUANTITY)


def _check_batch(values: dict[str, Any]) -> None:
    _check_text(values, _BATCH_TEXT)
    _check_required(values, _BATCH_REQUIRED)
    for name in ("thc_percent", "cbd_percent"):
        _amount(name, values.get(name), 3, Decimal(100))
    expires, sell_by = values.get("expires_on"), values.get("sell_by")
    if expires and sell_by and sell_by > expires:
        raise ValidationError("sellBy", "must not be after the expiry date")


def _db_value(value: Any) -> Any:
    return str(value) if isinstance(value, Category | Unit | LabStatus) else value


async def create_product(
    uow: UnitOfWork, principal: Principal, cmd: CreateProduct
) -> service.Outcome:
    """Add a SKU to the operator's catalogue."""
    _require_catalog(principal, [])
    values = {f: getattr(cmd.product, f) for f in PRODUCT_COLUMNS}
    _check_product(values)

    async def work(uow: UnitOfWork) -> ProductSaved:
        columns = sorted(values)
        placeholders = ", ".join(f"${i + 2}" for i in range(len(columns)))
        async with db.connection() as conn:
            try:
                product_id = await conn.fetchval(
                    f"INSERT INTO product (operator, {', '.join(columns)}, active, created_at)"
                    f" VALUES ($1, {placeholders}, true, now()) RETURNING id",
                    principal.operator_id,
                    *[_db_value(values[c]) for c in columns],
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError("sku", "this SKU already exists") from None
        await changelog.change(
            uow, principal, "createProduct", "product", product_id, location_id=None, after=values
        )
        return ProductSaved(returned(product_id))

    return await service.run(uow, principal, "createProduct", cmd, work, ProductSaved)


_STOCKED_AT = {
    "product": "SELECT DISTINCT location FROM package WHERE product = $1",
    "batch": "SELECT DISTINCT location FROM package WHERE batch = $1",
}


async def _owned(
    principal: Principal, table: str, entity_id: int, *, where_stocked: bool = True
) -> None:
    """Refuse unless the product or batch is the caller's operator's and the caller may manage
    the catalogue wherever it is stocked.

    Products and batches are operator-wide, but a change to one (a lab result, a price) changes
    what every store holding its packages may sell and at what price. So the caller needs the
    catalogue permission at *every* location holding its packages; an operator admin is an
    admin at each of them and passes. Roles are granted per location (there is no operator-wide
    role), so an admin of one store is not trusted with another's stock. Before any package
    exists, nothing is stocked anywhere: the permission at any of the operator's locations will
    do (the caller's grants are all within their operator); likewise with ``where_stocked``
    False, for a change that touches no existing stock (a new batch of a product).
    """
    sql = {
        "product": "SELECT operator FROM product WHERE id = $1",
        "batch": "SELECT p.operator FROM batch b JOIN product p ON p.id = b.product"
        " WHERE b.id = $1",
    }[table]
    async with db.connection() as conn:
        operator = await conn.fetchval(sql, entity_id)
        stocked_at = (
            [r["location"] for r in await conn.fetch(_STOCKED_AT[table], entity_id)]
            if operator == principal.operator_id and where_stocked
            else []
        )
    if operator is None or operator != principal.operator_id:
        raise NotFound(table, str(entity_id))
    _require_catalog(principal, stocked_at)


def _require_catalog(principal: Principal, stocked_at: list[int]) -> None:
    if not stocked_at:
        if not any(principal.can(Capability.MANAGE_CATALOG, loc) for loc in principal.location_ids):
            raise PermissionDenied(str(Capability.MANAGE_CATALOG))
        return
    if not all(principal.can(Capability.MANAGE_CATALOG, loc) for loc in stocked_at):
        raise PermissionDenied(
            str(Capability.MANAGE_CATALOG), "at every location holding its packages"
        )


async def _update(
    uow: UnitOfWork,
    principal: Principal,
    operation: str,
    table: str,
    entity_id: int,
    changes: dict[str, Any],
) -> None:
    columns = sorted(changes)
    assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
    async with db.connection() as conn:
        # Checked again under the row lock: a package registered meanwhile at another store
        # (its foreign key takes a KEY SHARE lock on this row) waits for us, or is seen here.
        # The locked row's changed columns are the change log's "before".
        before = await conn.fetchrow(
            f"SELECT {', '.join(columns)} FROM {table} WHERE id = $1 FOR UPDATE", entity_id
        )
        stocked_at = [r["location"] for r in await conn.fetch(_STOCKED_AT[table], entity_id)]
        _require_catalog(principal, stocked_at)
        try:
            await conn.execute(
                f"UPDATE {table} SET {assignments} WHERE id = $1",
                entity_id,
                *[_db_value(changes[c]) for c in columns],
            )
        except asyncpg.UniqueViolationError:
            field = "sku" if table == "product" else "producerBatchNumber"
            raise ValidationError(field, "already exists") from None
    await changelog.change(
        uow,
        principal,
        operation,
        table,
        entity_id,
        location_id=None,
        before=dict(before) if before is not None else None,
        after={c: _db_value(changes[c]) for c in columns},
    )


async def update_product(
    uow: UnitOfWork, principal: Principal, cmd: UpdateProduct
) -> service.Outcome:
    """Change a product's fields (price, thresholds, limit data...). Unit is fixed once set."""
    await _owned(principal, "product", cmd.product_id)
    unknown = set(cmd.changes) - (PRODUCT_COLUMNS - {"unit"}) - {"active"}
    if unknown:
        raise ValidationError(sorted(unknown)[0], "cannot be changed")
    _check_product(cmd.changes)

    async def work(uow: UnitOfWork) -> ProductSaved:
        if cmd.changes:
            await _update(uow, principal, "updateProduct", "product", cmd.product_id, cmd.changes)
        return ProductSaved(cmd.product_id)

    return await service.run(uow, principal, "updateProduct", cmd, work, ProductSaved)


async def create_batch(uow: UnitOfWork, principal: Principal, cmd: CreateBatch) -> service.Outcome:
    """Record a produced lot with its dates and lab result."""
    # A new lot holds no stock yet: a store's lead may add one for a product others stock too.
    await _owned(principal, "product", cmd.batch.product_id, where_stocked=False)
    values = {f: getattr(cmd.batch, f) for f in BATCH_COLUMNS}
    _check_batch(values)

    async def work(uow: UnitOfWork) -> BatchSaved:
        columns = sorted(values)
        placeholders = ", ".join(f"${i + 2}" for i in range(len(columns)))
        async with db.connection() as conn:
            try:
                batch_id = await conn.fetchval(
                    f"INSERT INTO batch (product, {', '.join(columns)}, created_at)"
                    f" VALUES ($1, {placeholders}, now()) RETURNING id",
                    cmd.batch.product_id,
                    *[_db_value(values[c]) for c in columns],
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError(
                    "producerBatchNumber", "this product already has that batch number"
                ) from None
        await changelog.change(
            uow,
            principal,
            "createBatch",
            "batch",
            batch_id,
            location_id=None,
            after={"product_id": cmd.batch.product_id, **values},
        )
        return BatchSaved(returned(batch_id))

    return await service.run(uow, principal, "createBatch", cmd, work, BatchSaved)


async def update_batch(uow: UnitOfWork, principal: Principal, cmd: UpdateBatch) -> service.Outcome:
    """Change a batch's dates or lab result (a failed result makes its stock unsellable)."""
    await _owned(principal, "batch", cmd.batch_id)
    unknown = set(cmd.changes) - BATCH_COLUMNS
    if unknown:
        raise ValidationError(sorted(unknown)[0], "cannot be changed")
    _check_batch(cmd.changes)

    async def work(uow: UnitOfWork) -> BatchSaved:
        if cmd.changes:
            await _update(uow, principal, "updateBatch", "batch", cmd.batch_id, cmd.changes)
        return BatchSaved(cmd.batch_id)

    return await service.run(uow, principal, "updateBatch", cmd, work, BatchSaved)
