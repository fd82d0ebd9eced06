"""Read models of purchasing: vendors with their products, purchase orders with their lines,
and the receipt history lead times are learned from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from domain import db
from domain.inventory.queries import MAX_PAGE, Page
from domain.purchasing import leadtime


@dataclass(frozen=True)
class VendorProductRow:
    vendor_id: int
    product_id: int
    sku: str
    product_name: str
    unit: str
    case_pack: Decimal
    minimum_order: Decimal
    last_cost: Decimal | None
    vendor_sku: str | None
    preferred: bool


@dataclass(frozen=True)
class VendorRow:
    id: int
    operator_id: int
    license_number: str | None
    name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    order_weekdays: tuple[int, ...]
    default_lead_time_days: int
    payment_terms: str | None
    active: bool
    created_at: datetime
    products: tuple[VendorProductRow, ...]


_VENDOR = (
    "SELECT id, operator AS operator_id, license_number, name, contact_name, contact_email,"
    " contact_phone, order_weekdays, default_lead_time_days, payment_terms, active, created_at"
    " FROM vendor"
)
_VENDOR_PRODUCTS = (
    "SELECT vp.vendor AS vendor_id, vp.product AS product_id, p.sku, p.name AS product_name,"
    " p.unit, vp.case_pack, vp.minimum_order, vp.last_cost, vp.vendor_sku, vp.preferred"
    " FROM vendor_product vp JOIN product p ON p.id = vp.product"
    " WHERE vp.vendor = ANY($1::int[]) ORDER BY p.name, p.id"
)


async def _vendors(conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> list[VendorRow]:
    products: dict[int, list[VendorProductRow]] = {}
    if rows:
        for r in await conn.fetch(_VENDOR_PRODUCTS, [v["id"] for v in rows]):
            products.setdefault(r["vendor_id"], []).append(VendorProductRow(**r))
    return [
        VendorRow(
            **{**dict(v), "order_weekdays": tuple(v["order_weekdays"] or ())},
            products=tuple(products.get(v["id"], ())),
        )
        for v in rows
    ]


async def vendors(operator_id: int, *, active_only: bool = True) -> list[VendorRow]:
    """The operator's vendors by name, each with the products it sells us."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"{_VENDOR} WHERE operator = $1 AND (active OR NOT $2) ORDER BY name, id",
            operator_id,
            active_only,
        )
        return await _vendors(conn, rows)


async def vendor(operator_id: int, vendor_id: int) -> VendorRow | None:
    """One of the operator's vendors (None for another operator's: not revealed)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"{_VENDOR} WHERE id = $1 AND operator = $2", vendor_id, operator_id
        )
        found = await _vendors(conn, rows)
    return found[0] if found else None


@dataclass(frozen=True)
class PurchaseOrderLineRow:
    id: int
    product_id: int
    sku: str
    product_name: str
    unit: str
    vendor_sku: str | None
    expected_quantity: Decimal
    unit_cost: Decimal | None
    received_quantity: Decimal
    rejected_quantity: Decimal
    short_quantity: Decimal


@dataclass(frozen=True)
class PurchaseOrderRow:
    id: int
    location_id: int
    vendor_id: int
    vendor_name: str
    reference: str
    status: str
    expected_date: date | None
    note: str | None
    reason: str | None
    created_by: int
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
    sent_by: int | None
    sent_at: datetime | None
    first_received_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    lines: tuple[PurchaseOrderLineRow, ...]
    shipment_ids: tuple[int, ...]

    @property
    def total_cost(self) -> Decimal | None:
        """What the order costs at its line costs (None while a line has no cost)."""
        if any(line.unit_cost is None for line in self.lines):
            return None
        return sum(
            (line.expected_quantity * (line.unit_cost or 0) for line in self.lines), Decimal(0)
        ).quantize(Decimal("0.01"))


_ORDER = (
    "SELECT po.id, po.location AS location_id, po.vendor AS vendor_id, v.name AS vendor_name,"
    " po.reference, po.status, po.expected_date, po.note, po.reason, po.created_by,"
    " po.created_at, po.approved_by, po.approved_at, po.sent_by, po.sent_at,"
    " po.first_received_at, po.closed_at, po.cancelled_at"
    " FROM purchase_order po JOIN vendor v ON v.id = po.vendor"
)
_LINES = (
    "SELECT l.purchase_order, l.id, l.product AS product_id, p.sku, p.name AS product_name,"
    " p.unit, vp.vendor_sku, l.expected_quantity, l.unit_cost, l.received_quantity,"
    " l.rejected_quantity, l.short_quantity"
    " FROM purchase_order_line l JOIN purchase_order po ON po.id = l.purchase_order"
    " JOIN product p ON p.id = l.product"
    " LEFT JOIN vendor_product vp ON vp.vendor = po.vendor AND vp.product = l.product"
    " WHERE l.purchase_order = ANY($1::bigint[]) ORDER BY l.id"
)


async def _orders(
    conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> list[PurchaseOrderRow]:
    """The orders with their lines and linked shipments: three statements for a page."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    lines: dict[int, list[PurchaseOrderLineRow]] = {}
    for r in await conn.fetch(_LINES, ids):
        values = dict(r)
        lines.setdefault(values.pop("purchase_order"), []).append(PurchaseOrderLineRow(**values))
    shipments: dict[int, list[int]] = {}
    for r in await conn.fetch(
        "SELECT purchase_order, id FROM shipment WHERE purchase_order = ANY($1::bigint[])"
        " ORDER BY id",
        ids,
    ):
        shipments.setdefault(r["purchase_order"], []).append(r["id"])
    return [
        PurchaseOrderRow(
            **r, lines=tuple(lines.get(r["id"], ())), shipment_ids=tuple(shipments.get(r["id"], ()))
        )
        for r in rows
    ]


async def purchase_orders_page(
    location_ids: Sequence[int],
    status: str | None,
    vendor_id: int | None,
    first: int,
    after: int | None,
) -> Page[PurchaseOrderRow]:
    """Newest first, at the given locations."""
    limit = max(1, min(first, MAX_PAGE))
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"{_ORDER} WHERE po.location = ANY($1::int[])"
            " AND ($2::text IS NULL OR po.status = $2)"
            " AND ($3::int IS NULL OR po.vendor = $3)"
            f" AND ($4::bigint IS NULL OR po.id < $4) ORDER BY po.id DESC LIMIT {limit + 1}",
            list(location_ids),
            status,
            vendor_id,
            after,
        )
        orders = await _orders(conn, rows[:limit])
    return Page(orders, len(rows) > limit)


async def purchase_order(purchase_order_id: int) -> PurchaseOrderRow | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(f"{_ORDER} WHERE po.id = $1", purchase_order_id)
        found = await _orders(conn, [row] if row else [])
    return found[0] if found else None


async def order_location(purchase_order_id: int) -> int | None:
    """Where an order belongs (to check the caller's grant before showing or changing it)."""
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT location FROM purchase_order WHERE id = $1", purchase_order_id
        )


# Days from sending an order to the completion of its first receipt, per vendor, newest first.
_SAMPLES = """
SELECT vendor, array_agg(days ORDER BY first_received_at DESC) AS days
FROM (
    SELECT vendor, first_received_at,
           round((extract(epoch FROM first_received_at - sent_at) / 86400)::numeric, 2) AS days,
           row_number() OVER (PARTITION BY vendor ORDER BY first_received_at DESC) AS n
    FROM purchase_order
    WHERE vendor = ANY($1::int[]) AND sent_at IS NOT NULL AND first_received_at IS NOT NULL
) recent
WHERE n <= $2
GROUP BY vendor
"""
# The most recent receipts only: a vendor's lead time two years ago says little about today's.
HISTORY = 20


async def lead_times(
    conn: asyncpg.Connection, defaults: dict[int, int]
) -> dict[int, leadtime.LeadTime]:
    """Each vendor's lead time (``defaults``: vendor id -> its default days), learned from its
    last ``HISTORY`` receipts once there are enough."""
    if not defaults:
        return {}
    samples = {
        r["vendor"]: list(r["days"]) for r in await conn.fetch(_SAMPLES, list(defaults), HISTORY)
    }
    return {
        vendor_id: leadtime.learned_lead_time(samples.get(vendor_id, []), Decimal(default))
        for vendor_id, default in defaults.items()
    }


async def vendor_lead_times(vendors: Sequence[VendorRow]) -> dict[int, leadtime.LeadTime]:
    async with db.connection() as conn:
        return await lead_times(conn, {v.id: v.default_lead_time_days for v in vendors})
