"""Sale and reservation types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.context import Info
from api.locations.types import Zone
from api.packages.types import Package
from domain.sales import queries


@strawberry.type
class SaleLine:
    line_number: int
    quantity: Decimal
    returned_quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    sales_tax: Decimal
    excise_tax: Decimal
    total: Decimal
    package_id: strawberry.Private[int]
    zone_id: strawberry.Private[int]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field(description="Where it was sold from.")
    async def zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))


@strawberry.type(description="A POS receipt as the ledger recorded it.")
class Sale:
    id: strawberry.ID
    register: str
    pos_receipt_id: str
    customer_type: str
    status: str
    external_id: str = strawberry.field(description="Our receipt number at the state.")
    total: Decimal
    warnings: list[str] = strawberry.field(description="e.g. first-expiring-first-out.")
    occurred_at: datetime
    lines: list[SaleLine]

    @classmethod
    def from_domain(cls, sale: queries.SaleRow) -> Sale:
        return cls(
            id=strawberry.ID(str(sale.id)),
            register=sale.register,
            pos_receipt_id=sale.pos_receipt_id,
            customer_type=sale.customer_type,
            status=sale.status,
            external_id=sale.external_id,
            total=sale.total,
            warnings=list(sale.warnings),
            occurred_at=sale.occurred_at,
            lines=[
                SaleLine(
                    line_number=r.line_number,
                    quantity=r.quantity,
                    returned_quantity=r.returned_quantity,
                    unit_price=r.unit_price,
                    discount=r.discount,
                    sales_tax=r.sales_tax,
                    excise_tax=r.excise_tax,
                    total=r.total,
                    package_id=r.package_id,
                    zone_id=r.zone_id,
                )
                for r in sale.lines
            ],
        )


@strawberry.type
class ReservationLine:
    quantity: Decimal
    package_id: strawberry.Private[int]
    from_zone_id: strawberry.Private[int]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field(description="Where the stock came from (and returns to if released).")
    async def from_zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.from_zone_id))


@strawberry.type(description="An online order's stock, held in the reserved zone.")
class Reservation:
    id: strawberry.ID
    order_ref: str
    channel: str
    partner: str | None
    status: str = strawberry.field(description="held, fulfilled, cancelled or expired.")
    expires_at: datetime
    created_at: datetime
    closed_at: datetime | None
    sale_id: strawberry.ID | None
    lines: list[ReservationLine]

    @classmethod
    def from_domain(cls, row: queries.ReservationRow) -> Reservation:
        return cls(
            id=strawberry.ID(str(row.id)),
            order_ref=row.order_ref,
            channel=row.channel,
            partner=row.partner,
            status=row.status,
            expires_at=row.expires_at,
            created_at=row.created_at,
            closed_at=row.closed_at,
            sale_id=strawberry.ID(str(row.sale_id)) if row.sale_id else None,
            lines=[
                ReservationLine(
                    quantity=r.quantity, package_id=r.package_id, from_zone_id=r.from_zone_id
                )
                for r in row.lines
            ],
        )
