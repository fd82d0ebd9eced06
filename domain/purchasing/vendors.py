"""Vendors and what they sell us: the operator's list of suppliers, and per product the case
pack, the minimum order, the last cost and which vendor is preferred.

Vendors are operator-wide, like the catalogue (one distributor serves every licence). Keeping
the list is a manager's decision (payment terms are money); the products' packing and costs
are catalogue work an inventory lead does too.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db, service
from domain.changelog import record as changelog
from domain.errors import NotFound, PermissionDenied, ValidationError
from domain.identity.principal import Principal
from domain.numbers import DecimalRefused, parse_decimal
from domain.purchasing.model import WEEKDAYS
from domain.quantities import MAX_QUANTITY, parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork

MAX_LEAD_TIME_DAYS = 365
MAX_UNIT_COST = Decimal(1_000_000)


@dataclass(frozen=True)
class VendorFields:
    name: str
    license_number: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    order_weekdays: tuple[int, ...] = ()
    default_lead_time_days: int = 7
    payment_terms: str | None = None


@dataclass(frozen=True)
class CreateVendor:
    vendor: VendorFields
    idempotency_key: str | None = None


@dataclass(frozen=True)
class UpdateVendor:
    """Only the fields in ``changes`` change (``active`` too: a vendor is retired, not deleted,
    since its orders keep naming it)."""

    vendor_id: int
    changes: dict[str, Any]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class VendorSaved:
    vendor_id: int


@dataclass(frozen=True)
class SetVendorProduct:
    vendor_id: int
    product_id: int
    case_pack: Decimal = Decimal(1)
    minimum_order: Decimal = Decimal(0)
    last_cost: Decimal | None = None
    vendor_sku: str | None = None
    # The vendor to buy this product from (one per product: setting it clears the others').
    preferred: bool = False
    idempotency_key: str | None = None


@dataclass(frozen=True)
class RemoveVendorProduct:
    vendor_id: int
    product_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class VendorProductSaved:
    vendor_id: int
    product_id: int


VENDOR_COLUMNS = {f.name for f in fields(VendorFields)}
# Text columns: (longest, required).
_TEXT = {
    "name": (200, True),
    "license_number": (64, False),
    "contact_name": (200, False),
    "contact_email": (320, False),
    "contact_phone": (40, False),
    "payment_terms": (100, False),
}
_CAMEL = {
    "license_number": "licenseNumber",
    "contact_name": "contactName",
    "contact_email": "contactEmail",
    "contact_phone": "contactPhone",
    "order_weekdays": "orderWeekdays",
    "default_lead_time_days": "defaultLeadTimeDays",
    "payment_terms": "paymentTerms",
}


def _clean_text(name: str, value: Any) -> str | None:
    longest, required = _TEXT[name]
    if value is None and not required:
        return None
    text = " ".join(value.split()) if isinstance(value, str) else None
    if text is None or len(text) > longest or (required and not text):
        shape = f"must be 1 to {longest} characters" if required else f"at most {longest}"
        raise ValidationError(_CAMEL.get(name, name), shape)
    return text or None


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The vendor's fields as stored: text trimmed, weekdays sorted, the lead time in range."""
    clean: dict[str, Any] = {}
    for name, value in values.items():
        if name in _TEXT:
            clean[name] = _clean_text(name, value)
        elif name == "order_weekdays":
            days = list(value or ())
            if any(not isinstance(d, int) or d not in WEEKDAYS for d in days):
                raise ValidationError("orderWeekdays", "weekdays are 0 (Monday) to 6 (Sunday)")
            clean[name] = sorted(set(days))
        elif name == "default_lead_time_days":
            if not isinstance(value, int) or not 0 <= value <= MAX_LEAD_TIME_DAYS:
                raise ValidationError(
                    "defaultLeadTimeDays", f"must be 0 to {MAX_LEAD_TIME_DAYS} days"
                )
            clean[name] = value
        elif name == "active":
            if not isinstance(value, bool):
                raise ValidationError("active", "must be true or false")
            clean[name] = value
        else:
            raise ValidationError(_CAMEL.get(name, name), "cannot be changed")
    email = clean.get("contact_email")
    if email and ("@" not in email or " " in email):
        raise ValidationError("contactEmail", "is not an e-mail address")
    return clean


def require_anywhere(principal: Principal, capability: Capability) -> None:
    """Operator-wide records: the capability at any of the caller's locations (their grants are
    all within their operator)."""
    if not any(principal.can(capability, loc) for loc in principal.location_ids):
        raise PermissionDenied(str(capability))


async def create_vendor(
    uow: UnitOfWork, principal: Principal, cmd: CreateVendor
) -> service.Outcome:
    """Add a supplier the operator buys from, with how and when it takes orders."""
    require_anywhere(principal, Capability.MANAGE_VENDORS)
    values = _clean({f: getattr(cmd.vendor, f) for f in VENDOR_COLUMNS})

    async def work(uow: UnitOfWork) -> VendorSaved:
        columns = sorted(values)
        placeholders = ", ".join(f"${i + 2}" for i in range(len(columns)))
        try:
            vendor_id = await uow.conn.fetchval(
                f"INSERT INTO vendor (operator, {', '.join(columns)}, active, created_at,"
                f" updated_at) VALUES ($1, {placeholders}, true, now(), now()) RETURNING id",
                principal.operator_id,
                *[values[c] for c in columns],
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError("name", "a vendor of this name exists") from None
        await changelog.change(
            uow, principal, "createVendor", "vendor", vendor_id, location_id=None, after=values
        )
        return VendorSaved(returned(vendor_id))

    return await service.run(uow, principal, "createVendor", cmd, work, VendorSaved)


async def _own_vendor(principal: Principal, vendor_id: int) -> None:
    async with db.connection() as conn:
        operator = await conn.fetchval("SELECT operator FROM vendor WHERE id = $1", vendor_id)
    if operator is None or operator != principal.operator_id:
        raise NotFound("vendor", str(vendor_id))


async def update_vendor(
    uow: UnitOfWork, principal: Principal, cmd: UpdateVendor
) -> service.Outcome:
    """Change a vendor's contact, order days, default lead time or terms, or retire it."""
    await _own_vendor(principal, cmd.vendor_id)
    require_anywhere(principal, Capability.MANAGE_VENDORS)
    changes = _clean(cmd.changes)

    async def work(uow: UnitOfWork) -> VendorSaved:
        before: dict[str, Any] | None = None
        if changes:
            columns = sorted(changes)
            before = await changelog.fields(uow.conn, "vendor", cmd.vendor_id, columns, lock=True)
            assignments = ", ".join(f"{c} = ${i + 2}" for i, c in enumerate(columns))
            try:
                await uow.conn.execute(
                    f"UPDATE vendor SET {assignments}, updated_at = now() WHERE id = $1",
                    cmd.vendor_id,
                    *[changes[c] for c in columns],
                )
            except asyncpg.UniqueViolationError:
                raise ValidationError("name", "a vendor of this name exists") from None
        await changelog.change(
            uow,
            principal,
            "updateVendor",
            "vendor",
            cmd.vendor_id,
            location_id=None,
            before=before,
            after=changes,
        )
        return VendorSaved(cmd.vendor_id)

    return await service.run(uow, principal, "updateVendor", cmd, work, VendorSaved)


def _amount(value: Any, field: str, *, places: int, maximum: Decimal) -> Decimal:
    try:
        return parse_decimal(value, places=places, maximum=maximum)
    except DecimalRefused:
        raise ValidationError(
            field, f"must be 0 to {maximum} with at most {places} places"
        ) from None


async def _own_product(principal: Principal, product_id: int) -> None:
    async with db.connection() as conn:
        operator = await conn.fetchval("SELECT operator FROM product WHERE id = $1", product_id)
    if operator is None or operator != principal.operator_id:
        raise NotFound("product", str(product_id))


async def set_vendor_product(
    uow: UnitOfWork, principal: Principal, cmd: SetVendorProduct
) -> service.Outcome:
    """Record (or change) how a vendor sells one of our products: what the reorder suggestions
    round to (case pack, minimum order), price with (last cost) and buy from (preferred)."""
    await _own_vendor(principal, cmd.vendor_id)
    await _own_product(principal, cmd.product_id)
    require_anywhere(principal, Capability.MANAGE_CATALOG)
    case_pack = parse_quantity(cmd.case_pack, field="casePack")
    minimum = parse_quantity(cmd.minimum_order, field="minimumOrder", allow_zero=True)
    cost = (
        None
        if cmd.last_cost is None
        else _amount(cmd.last_cost, "lastCost", places=4, maximum=MAX_UNIT_COST)
    )
    sku = None if cmd.vendor_sku is None else " ".join(cmd.vendor_sku.split()) or None
    if sku is not None and len(sku) > 64:
        raise ValidationError("vendorSku", "at most 64 characters")
    if minimum > MAX_QUANTITY:
        raise ValidationError("minimumOrder", f"at most {MAX_QUANTITY}")

    after = {
        "case_pack": case_pack,
        "minimum_order": minimum,
        "last_cost": cost,
        "vendor_sku": sku,
        "preferred": cmd.preferred,
    }

    async def work(uow: UnitOfWork) -> VendorProductSaved:
        before = await uow.conn.fetchrow(
            "SELECT case_pack, minimum_order, last_cost, vendor_sku, preferred"
            " FROM vendor_product WHERE vendor = $1 AND product = $2 FOR UPDATE",
            cmd.vendor_id,
            cmd.product_id,
        )
        if cmd.preferred:
            # One preferred vendor per product across the operator's vendors.
            await uow.conn.execute(
                "UPDATE vendor_product SET preferred = false, updated_at = now()"
                " WHERE product = $1 AND vendor <> $2 AND preferred",
                cmd.product_id,
                cmd.vendor_id,
            )
        await uow.conn.execute(
            "INSERT INTO vendor_product (vendor, product, case_pack, minimum_order, last_cost,"
            " vendor_sku, preferred, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now())"
            " ON CONFLICT (vendor, product) DO UPDATE SET case_pack = EXCLUDED.case_pack,"
            " minimum_order = EXCLUDED.minimum_order, last_cost = EXCLUDED.last_cost,"
            " vendor_sku = EXCLUDED.vendor_sku, preferred = EXCLUDED.preferred,"
            " updated_at = now()",
            cmd.vendor_id,
            cmd.product_id,
            case_pack,
            minimum,
            cost,
            sku,
            cmd.preferred,
        )
        await changelog.change(
            uow,
            principal,
            "setVendorProduct",
            "vendor product",
            f"{cmd.vendor_id}/{cmd.product_id}",
            location_id=None,
            before=None if before is None else dict(before),
            after=after,
        )
        return VendorProductSaved(cmd.vendor_id, cmd.product_id)

    return await service.run(uow, principal, "setVendorProduct", cmd, work, VendorProductSaved)


async def remove_vendor_product(
    uow: UnitOfWork, principal: Principal, cmd: RemoveVendorProduct
) -> service.Outcome:
    """The vendor no longer sells us this product (its past orders keep their lines)."""
    await _own_vendor(principal, cmd.vendor_id)
    await _own_product(principal, cmd.product_id)
    require_anywhere(principal, Capability.MANAGE_CATALOG)

    async def work(uow: UnitOfWork) -> VendorProductSaved:
        removed = await uow.conn.fetchrow(
            "DELETE FROM vendor_product WHERE vendor = $1 AND product = $2"
            " RETURNING case_pack, minimum_order, last_cost, vendor_sku, preferred",
            cmd.vendor_id,
            cmd.product_id,
        )
        if removed is None:
            raise NotFound("vendor product", f"{cmd.vendor_id}/{cmd.product_id}")
        await changelog.change(
            uow,
            principal,
            "removeVendorProduct",
            "vendor product",
            f"{cmd.vendor_id}/{cmd.product_id}",
            location_id=None,
            before=dict(removed),
        )
        return VendorProductSaved(cmd.vendor_id, cmd.product_id)

    return await service.run(uow, principal, "removeVendorProduct", cmd, work, VendorProductSaved)
