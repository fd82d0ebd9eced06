"""Sales and reservations over GraphQL, and their live subscriptions."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import ReservationError, SaleError
from api.live.feeds import Feed
from api.live.subscriptions import BLIND_REFRESH_SECONDS
from api.mutation import mutate
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from api.sales.types import Reservation, Sale
from domain.events import FloorStockLow, ReservationUpdated
from domain.sales import queries, reservations, sales, voids
from domain.sales.model import Channel, CustomerType
from domain.service import Outcome

# The domain enums themselves, registered with strawberry (see api/enums.py).
CustomerTypeEnum = CustomerType
ChannelEnum = Channel
strawberry.enum(CustomerTypeEnum)
strawberry.enum(ChannelEnum)


@strawberry.input
class SaleLineInput:
    tag: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    sales_tax: Decimal = Decimal(0)
    excise_tax: Decimal = Decimal(0)


@strawberry.input(description="A POS receipt. The receipt id is the idempotency key per register.")
class RecordSaleInput:
    location_id: strawberry.ID
    register: str
    pos_receipt_id: str
    customer_type: CustomerTypeEnum
    lines: list[SaleLineInput]
    customer_key: str | None = strawberry.field(
        default=None, description="Anonymous customer key (daily limits need it)."
    )
    patient_license: str | None = None


@strawberry.input
class VoidSaleInput:
    location_id: strawberry.ID
    register: str
    pos_receipt_id: str
    reason: str


@strawberry.input
class ReturnLineInput:
    tag: str
    quantity: Decimal


@strawberry.input
class ReturnSaleInput:
    location_id: strawberry.ID
    register: str
    pos_receipt_id: str
    lines: list[ReturnLineInput]
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class OrderLineInput:
    quantity: Decimal
    product_id: strawberry.ID | None = None
    tag: str | None = None


@strawberry.input
class CreateReservationInput:
    location_id: strawberry.ID
    order_ref: str = strawberry.field(description="The platform's order id (idempotency key).")
    channel: ChannelEnum
    lines: list[OrderLineInput]
    partner: str | None = None
    hold_minutes: int | None = None
    customer_key: str | None = None


@strawberry.input
class ReservedPriceInput:
    tag: str
    unit_price: Decimal


@strawberry.input
class FulfilReservationInput:
    reservation_id: strawberry.ID
    register: str
    pos_receipt_id: str
    customer_type: CustomerTypeEnum
    prices: list[ReservedPriceInput] = strawberry.field(default_factory=list)
    customer_key: str | None = None
    patient_license: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class ReservationActionInput:
    reservation_id: strawberry.ID
    reason: str = ""
    minutes: int | None = strawberry.field(default=None, description="extend: new hold time.")
    idempotency_key: str | None = None


@strawberry.type
class SalePayload:
    sale: Sale
    replayed: bool


@strawberry.type
class ReservationPayload:
    reservation: Reservation
    replayed: bool


SaleResult = Annotated[SalePayload | SaleError, strawberry.union("SaleResult")]
ReservationResult = Annotated[
    ReservationPayload | ReservationError, strawberry.union("ReservationResult")
]


async def _sale(outcome: Outcome) -> SalePayload:
    [sale] = await queries.sales_with_lines([outcome.value.sale_id])
    return SalePayload(sale=Sale.from_domain(sale), replayed=outcome.replayed)


async def _reservation(outcome: Outcome) -> ReservationPayload:
    [reservation] = await queries.reservations_with_lines([outcome.value.reservation_id])
    return ReservationPayload(
        reservation=Reservation.from_domain(reservation), replayed=outcome.replayed
    )


@strawberry.type
class SalesQueries:
    @strawberry.field(description="Sales at a location, newest first.")
    async def sales(
        self, info: Info, location_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> Connection[Sale]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        page = await queries.sales_page(loc, first, decode_cursor(after))
        return connection(page, Sale.from_domain)

    @strawberry.field(description="Online orders at a location, newest first.")
    async def reservations(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: str | None = "held",
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Reservation]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        page = await queries.reservations_page(loc, status, first, decode_cursor(after))
        return connection(page, Reservation.from_domain)


@strawberry.type
class SalesMutations:
    @strawberry.mutation(description="Record a POS sale from the sales floor.")
    async def record_sale(self, info: Info, input: RecordSaleInput) -> SaleResult:
        return await mutate(
            info,
            sales.record_sale,
            lambda: sales.RecordSale(
                location_id=parse_id(input.location_id, "location"),
                register=input.register,
                pos_receipt_id=input.pos_receipt_id,
                customer_type=input.customer_type,
                lines=[
                    sales.SaleLineInput(
                        x.tag, x.quantity, x.unit_price, x.discount, x.sales_tax, x.excise_tax
                    )
                    for x in input.lines
                ],
                customer_key=input.customer_key,
                patient_license=input.patient_license,
            ),
            _sale,
        )

    @strawberry.mutation(description="Cancel a whole receipt; its stock goes back.")
    async def void_sale(self, info: Info, input: VoidSaleInput) -> SaleResult:
        return await mutate(
            info,
            voids.void_sale,
            lambda: voids.VoidSale(
                parse_id(input.location_id, "location"),
                input.register,
                input.pos_receipt_id,
                input.reason,
            ),
            _sale,
        )

    @strawberry.mutation(description="Take back products into quarantine (never the floor).")
    async def return_sale(self, info: Info, input: ReturnSaleInput) -> SaleResult:
        return await mutate(
            info,
            voids.return_sale,
            lambda: voids.ReturnSale(
                parse_id(input.location_id, "location"),
                input.register,
                input.pos_receipt_id,
                [voids.ReturnLine(r.tag, r.quantity) for r in input.lines],
                input.reason,
                input.idempotency_key,
            ),
            _sale,
        )

    @strawberry.mutation(description="Hold stock for an online pickup or delivery order.")
    async def create_reservation(
        self, info: Info, input: CreateReservationInput
    ) -> ReservationResult:
        return await mutate(
            info,
            reservations.create_reservation,
            lambda: reservations.CreateReservation(
                location_id=parse_id(input.location_id, "location"),
                order_ref=input.order_ref,
                channel=input.channel,
                lines=[
                    reservations.OrderLine(
                        r.quantity,
                        parse_id(r.product_id, "product") if r.product_id else None,
                        r.tag,
                    )
                    for r in input.lines
                ],
                partner=input.partner,
                hold_minutes=input.hold_minutes,
                customer_key=input.customer_key,
            ),
            _reservation,
        )

    @strawberry.mutation(description="The customer is here: sell the reserved stock.")
    async def fulfil_reservation(
        self, info: Info, input: FulfilReservationInput
    ) -> ReservationResult:
        return await mutate(
            info,
            reservations.fulfil_reservation,
            lambda: reservations.FulfilReservation(
                reservation_id=parse_id(input.reservation_id, "reservation"),
                register=input.register,
                pos_receipt_id=input.pos_receipt_id,
                customer_type=input.customer_type,
                prices={p.tag: p.unit_price for p in input.prices},
                customer_key=input.customer_key,
                patient_license=input.patient_license,
                idempotency_key=input.idempotency_key,
            ),
            _reservation,
        )

    @strawberry.mutation(description="Cancel an order: its stock goes back where it came from.")
    async def cancel_reservation(
        self, info: Info, input: ReservationActionInput
    ) -> ReservationResult:
        return await mutate(
            info,
            reservations.cancel_reservation,
            lambda: reservations.CloseReservation(
                parse_id(input.reservation_id, "reservation"),
                input.reason,
                input.idempotency_key,
            ),
            _reservation,
        )

    @strawberry.mutation(description="Hold an order longer (minutes from now).")
    async def extend_reservation(
        self, info: Info, input: ReservationActionInput
    ) -> ReservationResult:
        return await mutate(
            info,
            reservations.extend_reservation,
            lambda: reservations.ExtendReservation(
                parse_id(input.reservation_id, "reservation"),
                input.minutes if input.minutes is not None else 0,
                input.idempotency_key,
            ),
            _reservation,
        )


@strawberry.type(description="An order changed state (re-read it for details).")
class ReservationChange:
    reservation_id: strawberry.ID
    status: str


@strawberry.type(description="A product's floor quantity fell below its threshold.")
class LowStock:
    product_id: strawberry.ID
    floor_quantity: Decimal
    threshold: Decimal


RESERVATIONS = Feed(ReservationUpdated)
LOW_STOCK = Feed(FloorStockLow)


@strawberry.type
class SalesSubscriptions:
    @strawberry.subscription
    async def reservation_changed(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[ReservationChange, None]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        async with info.context.broadcaster.listen(loc) as queue:
            while True:
                _, event = await RESERVATIONS.next(queue)
                yield ReservationChange(
                    reservation_id=strawberry.ID(str(event.reservation_id)),
                    status=str(event.status),
                )

    @strawberry.subscription
    async def low_stock(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[LowStock, None]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        blind_read_at = float("-inf")
        async with info.context.broadcaster.listen(loc) as queue:
            while True:
                _, event = await LOW_STOCK.next(queue)
                if time.monotonic() - blind_read_at > BLIND_REFRESH_SECONDS:
                    info.context.blind, blind_read_at = None, time.monotonic()
                if event.product_id in (await info.context.blind_scope()).products:
                    # The floor total sums the packages this subscriber is counting blind (even
                    # "it is low" narrows their count down): not for them until they submit.
                    continue
                yield LowStock(
                    product_id=strawberry.ID(str(event.product_id)),
                    floor_quantity=event.floor_quantity,
                    threshold=event.threshold,
                )
