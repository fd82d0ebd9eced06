"""Purchase orders over GraphQL: through their lifecycle, linking a shipment to its order,
and the order's PDF (vendors and their products: ``api.purchasing.vendors``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.errors import PurchaseOrderError
from api.mutation import Refusal, mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from api.purchasing.types import PurchaseOrder, PurchaseOrderPdf
from api.purchasing.vendors import VendorMutations, VendorQueries
from domain.purchasing import document, orders, queries, receipts
from domain.purchasing.model import PurchaseOrderStatus
from domain.roles import Capability
from domain.service import Outcome

if TYPE_CHECKING:
    from domain.identity.principal import Principal
    from domain.unit_of_work import UnitOfWork

    ChangeService = Callable[
        [UnitOfWork, Principal, orders.ChangePurchaseOrder],
        Awaitable[Outcome[orders.PurchaseOrderSaved]],
    ]


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
class PurchaseOrderPayload:
    replayed: bool
    purchase_order: PurchaseOrder | None
    webhook_deliveries: int = strawberry.field(
        default=0, description="Partner webhook deliveries queued (sending)."
    )


PurchaseOrderResult = Annotated[
    PurchaseOrderPayload | PurchaseOrderError, strawberry.union("PurchaseOrderResult")
]


def _lines(lines: list[PurchaseOrderLineInput]) -> list[orders.OrderLine]:
    return [
        orders.OrderLine(parse_id(line.product_id, "product"), line.quantity, line.unit_cost)
        for line in lines
    ]


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
class PurchasingQueries(VendorQueries):
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
class PurchasingMutations(VendorMutations):
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


async def _change(
    info: Info, service: ChangeService, input: PurchaseOrderActionInput
) -> PurchaseOrderPayload | Refusal:
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
