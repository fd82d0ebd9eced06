"""Vendors, their products and lead times, and purchase orders with their lines."""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.catalog.types import Product
from api.context import Info
from domain.purchasing import document, queries
from domain.purchasing.leadtime import LeadTime
from domain.purchasing.model import PurchaseOrderStatus

strawberry.enum(
    PurchaseOrderStatus,
    description="draft → approved → sent → partially received → received → closed;"
    " a draft or approved order may be cancelled.",
)


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="How a vendor sells us one product.")
class VendorProduct:
    product_id: strawberry.ID
    sku: str
    product_name: str
    unit: str
    case_pack: Decimal = strawberry.field(description="Order in multiples of this.")
    minimum_order: Decimal = strawberry.field(description="The least it sells (0: none).")
    last_cost: Decimal | None
    vendor_sku: str | None
    preferred: bool = strawberry.field(description="Bought from this vendor by default.")

    @strawberry.field
    async def product(self, info: Info) -> Product:
        return Product.from_domain(await info.context.loaders.product.one(int(self.product_id)))

    @classmethod
    def from_domain(cls, row: queries.VendorProductRow) -> VendorProduct:
        return cls(
            product_id=strawberry.ID(str(row.product_id)),
            sku=row.sku,
            product_name=row.product_name,
            unit=row.unit,
            case_pack=row.case_pack,
            minimum_order=row.minimum_order,
            last_cost=row.last_cost,
            vendor_sku=row.vendor_sku,
            preferred=row.preferred,
        )


@strawberry.type(description="Days from sending an order to completing its receipt.")
class VendorLeadTime:
    days: Decimal = strawberry.field(description="The median of recent receipts, or the default.")
    spread_days: Decimal = strawberry.field(
        description="1.4826 × the median absolute deviation (a robust standard deviation)."
    )
    learned: bool = strawberry.field(description="False: fewer than 3 receipts, the default.")
    receipts: int

    @classmethod
    def from_domain(cls, lead: LeadTime) -> VendorLeadTime:
        return cls(
            days=lead.days,
            spread_days=lead.spread_days,
            learned=lead.learned,
            receipts=lead.receipts,
        )


@strawberry.type(description="A licensed business the operator buys from.")
class Vendor:
    id: strawberry.ID
    license_number: str | None
    name: str
    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None
    order_weekdays: list[int] = strawberry.field(
        description="Days it takes orders, 0 = Monday; empty: any day."
    )
    default_lead_time_days: int
    payment_terms: str | None
    active: bool
    created_at: datetime
    products: list[VendorProduct]
    lead_time: VendorLeadTime

    @classmethod
    def from_domain(cls, row: queries.VendorRow, lead: LeadTime) -> Vendor:
        return cls(
            id=strawberry.ID(str(row.id)),
            license_number=row.license_number,
            name=row.name,
            contact_name=row.contact_name,
            contact_email=row.contact_email,
            contact_phone=row.contact_phone,
            order_weekdays=list(row.order_weekdays),
            default_lead_time_days=row.default_lead_time_days,
            payment_terms=row.payment_terms,
            active=row.active,
            created_at=row.created_at,
            products=[VendorProduct.from_domain(p) for p in row.products],
            lead_time=VendorLeadTime.from_domain(lead),
        )


@strawberry.type(description="One product on a purchase order, and how its receipts went.")
class PurchaseOrderLine:
    id: strawberry.ID
    product_id: strawberry.ID
    sku: str
    product_name: str
    unit: str
    vendor_sku: str | None
    expected_quantity: Decimal = strawberry.field(description="Ordered.")
    unit_cost: Decimal | None
    received_quantity: Decimal = strawberry.field(description="Accepted into stock.")
    rejected_quantity: Decimal = strawberry.field(description="Turned away at the dock.")
    short_quantity: Decimal = strawberry.field(
        description="Ordered, neither received nor rejected (never below 0)."
    )

    @classmethod
    def from_domain(cls, row: queries.PurchaseOrderLineRow) -> PurchaseOrderLine:
        return cls(
            id=strawberry.ID(str(row.id)),
            product_id=strawberry.ID(str(row.product_id)),
            sku=row.sku,
            product_name=row.product_name,
            unit=row.unit,
            vendor_sku=row.vendor_sku,
            expected_quantity=row.expected_quantity,
            unit_cost=row.unit_cost,
            received_quantity=row.received_quantity,
            rejected_quantity=row.rejected_quantity,
            short_quantity=row.short_quantity,
        )


@strawberry.type(description="An order to one vendor for one licence.")
class PurchaseOrder:
    id: strawberry.ID
    location_id: strawberry.ID
    vendor_id: strawberry.ID
    vendor_name: str
    reference: str
    status: PurchaseOrderStatus
    expected_date: date | None
    note: str | None
    reason: str | None = strawberry.field(description="Why it was closed short or cancelled.")
    created_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    first_received_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    total_cost: Decimal | None = strawberry.field(
        description="At the line costs (null while a line has no cost)."
    )
    lines: list[PurchaseOrderLine]
    shipment_ids: list[strawberry.ID] = strawberry.field(
        description="Shipments received (or to be received) against it."
    )
    created_by_id: strawberry.Private[int]
    approved_by_id: strawberry.Private[int | None]
    sent_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def created_by(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.created_by_id))

    @strawberry.field
    async def approved_by(self, info: Info) -> User | None:
        if self.approved_by_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.approved_by_id))

    @strawberry.field
    async def sent_by(self, info: Info) -> User | None:
        if self.sent_by_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.sent_by_id))

    @classmethod
    def from_domain(cls, row: queries.PurchaseOrderRow) -> PurchaseOrder:
        return cls(
            id=strawberry.ID(str(row.id)),
            location_id=strawberry.ID(str(row.location_id)),
            vendor_id=strawberry.ID(str(row.vendor_id)),
            vendor_name=row.vendor_name,
            reference=row.reference,
            status=PurchaseOrderStatus(row.status),
            expected_date=row.expected_date,
            note=row.note,
            reason=row.reason,
            created_at=row.created_at,
            approved_at=row.approved_at,
            sent_at=row.sent_at,
            first_received_at=row.first_received_at,
            closed_at=row.closed_at,
            cancelled_at=row.cancelled_at,
            total_cost=row.total_cost,
            lines=[PurchaseOrderLine.from_domain(line) for line in row.lines],
            shipment_ids=[strawberry.ID(str(s)) for s in row.shipment_ids],
            created_by_id=row.created_by,
            approved_by_id=row.approved_by,
            sent_by_id=row.sent_by,
        )


@strawberry.type(description="The purchase order as the vendor receives it.")
class PurchaseOrderPdf:
    filename: str
    content_type: str
    base64: str = strawberry.field(description="The PDF's bytes, base64-encoded.")

    @classmethod
    def from_domain(cls, found: document.OrderDocument) -> PurchaseOrderPdf:
        return cls(
            filename=found.filename,
            content_type="application/pdf",
            base64=base64.b64encode(document.render(found)).decode("ascii"),
        )
