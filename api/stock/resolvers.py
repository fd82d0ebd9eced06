"""Stock movements: transfer and adjust, the movement log and the stock summary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import AdjustmentReason, Category, MovementKind, Unit
from api.errors import ReasonDetailRequired, StockError
from api.locations.types import Zone
from api.mutation import mutate
from api.packages.types import Movement, Package, visible_movements
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from domain.inventory import queries, stock
from domain.service import Outcome


@strawberry.input
class TransferStockInput:
    location_id: strawberry.ID
    tag: str
    from_zone_id: strawberry.ID
    to_zone_id: strawberry.ID
    quantity: Decimal
    unit: Unit | None = strawberry.field(
        default=None, description="If given, must be the package's unit."
    )
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class AdjustStockInput:
    location_id: strawberry.ID
    tag: str
    zone_id: strawberry.ID
    quantity: Decimal = strawberry.field(description="Signed: negative writes stock off.")
    reason: AdjustmentReason
    unit: Unit | None = None
    note: str | None = None
    witness_id: strawberry.ID | None = None
    idempotency_key: str | None = None
    waste_weight: Decimal | None = strawberry.field(
        default=None,
        description="What the waste weighed, when the licence's state reason requires it.",
    )
    waste_unit: Unit | None = strawberry.field(
        default=None, description="GRAMS (the default) or MILLIGRAMS."
    )


@strawberry.input
class MovementFilterInput:
    tag: str | None = None
    zone_id: strawberry.ID | None = None
    kind: MovementKind | None = None
    actor_id: strawberry.ID | None = None
    since: datetime | None = None
    until: datetime | None = None


@strawberry.type
class StockMovedPayload:
    replayed: bool = strawberry.field(
        description="True when this is the stored result of an earlier request with the same key."
    )
    package_id: strawberry.Private[int]
    movement_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The package as it is now.")
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field(description="The movements this request wrote (or first wrote).")
    async def movements(self, info: Info) -> list[Movement]:
        rows = await info.context.loaders.movement.load_many(self.movement_ids)
        return [Movement.from_domain(r) for r in rows if r is not None]


@strawberry.type
class StockSummaryLine:
    category: Category
    unit: Unit
    package_count: int
    quantity: Decimal
    cost_value: Decimal
    zone_id: strawberry.Private[int]

    @strawberry.field
    async def zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @classmethod
    def from_domain(cls, row: queries.StockSummaryRow) -> StockSummaryLine:
        return cls(
            category=row.category,
            unit=row.unit,
            package_count=row.package_count,
            quantity=row.quantity,
            cost_value=row.cost_value.quantize(Decimal("0.01")),
            zone_id=row.zone_id,
        )


StockMovedResult = Annotated[StockMovedPayload | StockError, strawberry.union("StockMovedResult")]
AdjustStockResult = Annotated[
    StockMovedPayload | ReasonDetailRequired | StockError, strawberry.union("AdjustStockResult")
]


def _present(info: Info, outcome: Outcome) -> StockMovedPayload:
    # Fresh loaders: an earlier field of this operation may have cached pre-move rows.
    info.context.refresh()
    return StockMovedPayload(
        replayed=outcome.replayed,
        package_id=outcome.value.package_id,
        movement_ids=outcome.value.movement_ids,
    )


@strawberry.type
class StockQueries:
    @strawberry.field(description="The movement ledger of a location, newest first.")
    async def movements(
        self,
        info: Info,
        location_id: strawberry.ID,
        filter: MovementFilterInput | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Movement]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        f = filter or MovementFilterInput()
        package_id = None
        if f.tag is not None:
            row = await queries.package_by_tag(loc, f.tag)
            if row is None:
                return connection(
                    queries.Page[queries.MovementRow]([], False), Movement.from_domain
                )
            package_id = row.id
        page = await queries.movements_page(
            queries.MovementFilter(
                location_id=loc,
                package_id=package_id,
                zone_id=query_id(f.zone_id, "zone") if f.zone_id else None,
                kind=f.kind,
                actor_id=query_id(f.actor_id, "user") if f.actor_id else None,
                since=f.since,
                until=f.until,
            ),
            first,
            decode_cursor(after),
        )
        return connection(await visible_movements(info, page), Movement.from_domain)

    @strawberry.field(description="Stock per zone, category and unit, with its value at cost.")
    async def stock_summary(self, info: Info, location_id: strawberry.ID) -> list[StockSummaryLine]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        blind = await info.context.blind_scope()
        return [
            StockSummaryLine.from_domain(r)
            for r in await queries.stock_summary(loc)
            if r.zone_id not in blind.zones
        ]


@strawberry.type
class StockMutations:
    @strawberry.mutation(description="Move part or all of a package from one zone to another.")
    async def transfer_stock(self, info: Info, input: TransferStockInput) -> StockMovedResult:
        return await mutate(
            info,
            stock.transfer_stock,
            lambda: stock.TransferStock(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                from_zone_id=parse_id(input.from_zone_id, "zone"),
                to_zone_id=parse_id(input.to_zone_id, "zone"),
                quantity=input.quantity,
                unit=input.unit,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _present(info, o),
        )

    @strawberry.mutation(description="Write stock on or off with a reason from the taxonomy.")
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> AdjustStockResult:
        def command() -> stock.AdjustStock:
            witness = input.witness_id
            return stock.AdjustStock(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                zone_id=parse_id(input.zone_id, "zone"),
                quantity=input.quantity,
                reason=input.reason,
                unit=input.unit,
                note=input.note,
                witness_id=parse_id(witness, "witness") if witness else None,
                idempotency_key=input.idempotency_key,
                waste_weight=input.waste_weight,
                waste_unit=input.waste_unit,
            )

        return await mutate(info, stock.adjust_stock, command, lambda o: _present(info, o))
