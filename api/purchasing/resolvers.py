"""Purchasing over GraphQL: vendors and their products, purchase orders through their
lifecycle, linking a shipment to its order, and the order's PDF."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.errors import CommonError, InvalidQuantity, PurchaseOrderError
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from api.purchasing.types import PurchaseOrder, PurchaseOrderPdf, Vendor
from domain.purchasing import document, orders, queries, receipts, vendors
from domain.purchasing.model import PurchaseOrderStatus
from domain.roles import Capability
from domain.service import Outcome


@strawberry.input
class CreateVendorInput:
    name: str
    license_number: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    order_weekdays: list[int] = strawberry.field(
        default_factory=list, description="0 = Monday ... 6 = Sunday; empty: any day."
    )
    default_lead_time_days: int = 7
    payment_terms: str | None = strawberry.field(default=None, description="e.g. Net 30, COD.")
    idempotency_key: str | None = None


@strawberry.input(description="Only the fields you send are changed.")
class VendorChanges:
    name: str | None = strawberry.UNSET
    license_number: str | None = strawberry.UNSET
    contact_name: str | None = strawberry.UNSET
    contact_email: str | None = strawberry.UNSET
    contact_phone: str | None = strawberry.UNSET
    order_weekdays: list[int] | None = strawberry.UNSET
    default_lead_time_days: int | None = strawberry.UNSET
    payment_terms: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input
class UpdateVendorInput:
    id: strawberry.ID
    changes: VendorChanges
    idempotency_key: str | None = None


@strawberry.input(description="Create or replace how a vendor sells us a product.")
class SetVendorProductInput:
    vendor_id: strawberry.ID
    product_id: strawberry.ID
    case_pack: Decimal = Decimal(1)
    minimum_order: Decimal = Decimal(0)
    last_cost: Decimal | None = None
    vendor_sku: str | None = None
    preferred: bool = strawberry.field(
        default=False, description="Buy this product from this vendor (clears the others')."
    )
    idempotency_key: str | None = None


@strawberry.input
class RemoveVendorProductInput:
    vendor_id: strawberry.ID
    product_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.input
class PurchaseOrderLineInput:
    product_id: strawberry.ID
    quantity: Decimal
    unit_cost: Decimal | None = strawberry.field(
        default=None, description="Defaults to the vendor's last cost for the product."
    )


@strawberry.input(
    description="A new order: by hand, or from the reorder suggestions (pass their lines)."
)
class DraftPurchaseOrderInput:
    location_id: strawberry.ID
    vendor_id: strawberry.ID
    lines: list[PurchaseOrderLineInput]
    reference: str | None = strawberry.field(default=None, description="Default: PO-<id>.")
    expected_date: date | None = None
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input(description="A draft's changes; `lines` replaces every line.")
class EditPurchaseOrderInput:
    purchase_order_id: strawberry.ID
    lines: list[PurchaseOrderLineInput] | None = None
    expected_date: date | None = None
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class PurchaseOrderActionInput:
    purchase_order_id: strawberry.ID
    reason: str | None = strawberry.field(
        default=None, description="Closing or cancelling: why (kept on the order)."
    )
    idempotency_key: str | None = None


@strawberry.input
class LinkShipmentInput:
    shipment_id: strawberry.ID
    purchase_order_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class VendorPayload:
    replayed: bool
    vendor: Vendor | None


@strawberry.type
class PurchaseOrderPayload:
    replayed: bool
    purchase_order: PurchaseOrder | None
    webhook_deliveries: int = strawberry.field(
        default=0, description="Partner webhook deliveries queued (sending)."
    )


VendorResult = Annotated[VendorPayload | CommonError, strawberry.union("VendorResult")]
VendorProductResult = Annotated[
    VendorPayload | InvalidQuantity | CommonError, strawberry.union("VendorProductResult")
]
PurchaseOrderResult = Annotated[
    PurchaseOrderPayload | PurchaseOrderError, strawberry.union("PurchaseOrderResult")
]


def _sent(changes: Any) -> dict[str, Any]:
    return {
        f.name: getattr(changes, f.name)
        for f in dataclasses.fields(changes)
        if getattr(changes, f.name) is not strawberry.UNSET
    }


def _lines(lines: list[PurchaseOrderLineInput]) -> list[orders.OrderLine]:
    return [
        orders.OrderLine(parse_id(line.product_id, "product"), line.quantity, line.unit_cost)
        for line in lines
    ]


async def _vendor(info: Info, vendor_id: int) -> Vendor | None:
    principal = await info.context.principal()
    if principal is None:
        return None
    row = await queries.vendor(principal.operator_id, vendor_id)
    if row is None:
        return None
    lead = await queries.vendor_lead_times([row])
    return Vendor.from_domain(row, lead[row.id])


async def _vendor_payload(info: Info, outcome: Outcome) -> VendorPayload:
    return VendorPayload(
        replayed=outcome.replayed, vendor=await _vendor(info, outcome.value.vendor_id)
    )


async def _order_payload(outcome: Outcome) -> PurchaseOrderPayload:
    row = await queries.purchase_order(outcome.value.purchase_order_id)
    return PurchaseOrderPayload(
        replayed=outcome.replayed,
        purchase_order=PurchaseOrder.from_domain(row) if row else None,
        webhook_deliveries=getattr(outcome.value, "webhook_deliveries", 0),
    )


async def _readable_order(info: Info, purchase_order_id: strawberry.ID) -> int | None:
    """The order's id when the caller may read its location, else None (not revealed)."""
    order_id = query_id(purchase_order_id, "purchase order")
    principal = await info.context.principal()
    location_id = await queries.order_location(order_id)
    if principal is None or location_id is None:
        return None
    if not principal.can(Capability.READ, location_id):
        return None
    return order_id


@strawberry.type
class PurchasingQueries:
    @strawberry.field(description="The operator's vendors by name, with products and lead times.")
    async def vendors(self, info: Info, active_only: bool = True) -> list[Vendor]:
        principal = await info.context.principal()
        if principal is None or not principal.location_ids:
            return []
        rows = await queries.vendors(principal.operator_id, active_only=active_only)
        leads = await queries.vendor_lead_times(rows)
        return [Vendor.from_domain(r, leads[r.id]) for r in rows]

    @strawberry.field
    async def vendor(self, info: Info, id: strawberry.ID) -> Vendor | None:
        return await _vendor(info, query_id(id, "vendor"))

    @strawberry.field(
        description="Purchase orders, newest first, at the given locations (default: every"
        " location you may read)."
    )
    async def purchase_orders(
        self,
        info: Info,
        location_ids: list[strawberry.ID] | None = None,
        status: PurchaseOrderStatus | None = None,
        vendor_id: strawberry.ID | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> Connection[PurchaseOrder]:
        principal = await info.context.principal()
        if principal is None:
            raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
        if location_ids is None:
            locations = [
                loc for loc in principal.location_ids if principal.can(Capability.READ, loc)
            ]
        else:
            locations = [query_id(loc, "location") for loc in location_ids]
            for loc in locations:
                await info.context.reader(loc)
        page = await queries.purchase_orders_page(
            locations,
            None if status is None else str(status),
            None if vendor_id is None else query_id(vendor_id, "vendor"),
            first,
            decode_cursor(after),
        )
        return connection(page, PurchaseOrder.from_domain)

    @strawberry.field
    async def purchase_order(self, info: Info, id: strawberry.ID) -> PurchaseOrder | None:
        order_id = await _readable_order(info, id)
        row = None if order_id is None else await queries.purchase_order(order_id)
        return PurchaseOrder.from_domain(row) if row else None

    @strawberry.field(description="The order as a PDF (what the vendor receives).")
    async def purchase_order_pdf(
        self, info: Info, purchase_order_id: strawberry.ID
    ) -> PurchaseOrderPdf | None:
        order_id = await _readable_order(info, purchase_order_id)
        found = None if order_id is None else await document.order_document(order_id)
        return PurchaseOrderPdf.from_domain(found) if found else None


@strawberry.type
class PurchasingMutations:
    @strawberry.mutation(description="Add a vendor (managers and admins).")
    async def create_vendor(self, info: Info, input: CreateVendorInput) -> VendorResult:
        def command() -> vendors.CreateVendor:
            values = {
                f.name: getattr(input, f.name)
                for f in dataclasses.fields(input)
                if f.name != "idempotency_key"
            }
            values["order_weekdays"] = tuple(values["order_weekdays"])
            return vendors.CreateVendor(vendors.VendorFields(**values), input.idempotency_key)

        return await mutate(
            info, vendors.create_vendor, command, lambda o: _vendor_payload(info, o)
        )

    @strawberry.mutation(description="Change a vendor's details, or retire it (active: false).")
    async def update_vendor(self, info: Info, input: UpdateVendorInput) -> VendorResult:
        return await mutate(
            info,
            vendors.update_vendor,
            lambda: vendors.UpdateVendor(
                parse_id(input.id, "vendor"), _sent(input.changes), input.idempotency_key
            ),
            lambda o: _vendor_payload(info, o),
        )

    @strawberry.mutation(description="Case pack, minimum order, last cost of a vendor's product.")
    async def set_vendor_product(
        self, info: Info, input: SetVendorProductInput
    ) -> VendorProductResult:
        return await mutate(
            info,
            vendors.set_vendor_product,
            lambda: vendors.SetVendorProduct(
                vendor_id=parse_id(input.vendor_id, "vendor"),
                product_id=parse_id(input.product_id, "product"),
                case_pack=input.case_pack,
                minimum_order=input.minimum_order,
                last_cost=input.last_cost,
                vendor_sku=input.vendor_sku,
                preferred=input.preferred,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _vendor_payload(info, o),
        )

    @strawberry.mutation(description="The vendor no longer sells us this product.")
    async def remove_vendor_product(
        self, info: Info, input: RemoveVendorProductInput
    ) -> VendorProductResult:
        return await mutate(
            info,
            vendors.remove_vendor_product,
            lambda: vendors.RemoveVendorProduct(
                parse_id(input.vendor_id, "vendor"),
                parse_id(input.product_id, "product"),
                input.idempotency_key,
            ),
            lambda o: _vendor_payload(info, o),
        )

    @strawberry.mutation(description="Start a purchase order (a draft until approved).")
    async def draft_purchase_order(
        self, info: Info, input: DraftPurchaseOrderInput
    ) -> PurchaseOrderResult:
        return await mutate(
            info,
            orders.draft_purchase_order,
            lambda: orders.DraftPurchaseOrder(
                location_id=parse_id(input.location_id, "location"),
                vendor_id=parse_id(input.vendor_id, "vendor"),
                lines=_lines(input.lines),
                reference=input.reference,
                expected_date=input.expected_date,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            _order_payload,
        )

    @strawberry.mutation(description="Change a draft's lines, expected date or note.")
    async def edit_purchase_order(
        self, info: Info, input: EditPurchaseOrderInput
    ) -> PurchaseOrderResult:
        return await mutate(
            info,
            orders.edit_purchase_order,
            lambda: orders.EditPurchaseOrder(
                purchase_order_id=parse_id(input.purchase_order_id, "purchase order"),
                lines=None if input.lines is None else _lines(input.lines),
                expected_date=input.expected_date,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            _order_payload,
        )

    @strawberry.mutation(description="A manager approves a draft.")
    async def approve_purchase_order(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderResult:
        return await _change(info, orders.approve_purchase_order, input)

    @strawberry.mutation(
        description="Send an approved order: queues the purchase_order.sent webhook."
    )
    async def send_purchase_order(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderResult:
        return await _change(info, orders.send_purchase_order, input)

    @strawberry.mutation(description="Nothing more will come: close a sent or received order.")
    async def close_purchase_order(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderResult:
        return await _change(info, orders.close_purchase_order, input)

    @strawberry.mutation(description="Cancel a draft or an approved (unsent) order.")
    async def cancel_purchase_order(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderResult:
        return await _change(info, orders.cancel_purchase_order, input)

    @strawberry.mutation(
        description="Say which sent order a shipment delivers (before completing its receiving)."
    )
    async def link_shipment_to_purchase_order(
        self, info: Info, input: LinkShipmentInput
    ) -> PurchaseOrderResult:
        return await mutate(
            info,
            receipts.link_shipment,
            lambda: receipts.LinkShipment(
                parse_id(input.shipment_id, "shipment"),
                parse_id(input.purchase_order_id, "purchase order"),
                input.idempotency_key,
            ),
            _order_payload,
        )


async def _change(info: Info, service: Any, input: PurchaseOrderActionInput) -> Any:
    return await mutate(
        info,
        service,
        lambda: orders.ChangePurchaseOrder(
            parse_id(input.purchase_order_id, "purchase order"),
            input.reason,
            input.idempotency_key,
        ),
        _order_payload,
    )
