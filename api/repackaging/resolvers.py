"""Repackaging and assembly: the repackage mutation and the repacks query."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.errors import RepackError
from api.mutation import mutate
from api.pagination import parse_id, query_id
from api.repackaging.types import Repack
from domain.repackaging import queries, services
from domain.service import Outcome


@strawberry.input(description="Stock taken from one package.")
class RepackInputLine:
    tag: str
    zone_id: strawberry.ID
    quantity: Decimal = strawberry.field(description="In the package's own unit.")


@strawberry.input(description="One new package.")
class RepackOutputLine:
    product_id: strawberry.ID
    zone_id: strawberry.ID
    quantity: Decimal = strawberry.field(description="In the product's unit.")
    tag: str | None = strawberry.field(
        default=None, description="The new package's tag; omitted: the next from the state's pool."
    )


@strawberry.input
class RepackageInput:
    location_id: strawberry.ID
    inputs: list[RepackInputLine]
    outputs: list[RepackOutputLine]
    packaging_loss: Decimal = strawberry.field(
        default=Decimal(0), description="Grams lost in packaging, written off as PACKAGING_WASTE."
    )
    expected_yield_pct: Decimal | None = None
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.type
class RepackagePayload:
    replayed: bool
    repack_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @strawberry.field
    async def repack(self) -> Repack | None:
        rows = await queries.repacks(self.location_id, repack_id=self.repack_id)
        return Repack.from_domain(rows[0]) if rows else None


RepackageResult = Annotated[RepackagePayload | RepackError, strawberry.union("RepackageResult")]


def _present(location_id: int, outcome: Outcome) -> RepackagePayload:
    return RepackagePayload(
        replayed=outcome.replayed, repack_id=outcome.value.repack_id, location_id=location_id
    )


@strawberry.type
class RepackagingQueries:
    @strawberry.field(description="Splits and assemblies at a location, newest first.")
    async def repacks(
        self, info: Info, location_id: strawberry.ID, low_yield_only: bool = False
    ) -> list[Repack]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        rows = await queries.repacks(loc, low_only=low_yield_only)
        return [Repack.from_domain(r) for r in rows]


@strawberry.type
class RepackagingMutations:
    @strawberry.mutation(
        description="Split a package or assemble packages: inputs consumed, outputs created."
    )
    async def repackage(self, info: Info, input: RepackageInput) -> RepackageResult:
        # Ids are parsed inside the command: a malformed one is a typed NotFound, not a crash.
        loc: list[int] = []

        def location() -> int:
            loc.append(parse_id(input.location_id, "location"))
            return loc[-1]

        return await mutate(
            info,
            services.repackage,
            lambda: services.Repackage(
                location_id=location(),
                inputs=[
                    services.RepackInput(i.tag, parse_id(i.zone_id, "zone"), i.quantity)
                    for i in input.inputs
                ],
                outputs=[
                    services.RepackOutput(
                        parse_id(o.product_id, "product"),
                        parse_id(o.zone_id, "zone"),
                        o.quantity,
                        o.tag,
                    )
                    for o in input.outputs
                ],
                packaging_loss=input.packaging_loss,
                expected_yield_pct=input.expected_yield_pct,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _present(loc[0], o),
        )
