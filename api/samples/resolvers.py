"""Samples: take, hand out, rotate, the rotation schedule; the sample log and due list."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import Unit
from api.errors import CommonError, SampleError, not_found
from api.mutation import mutate
from api.packages.types import Movement
from api.pagination import parse_id, query_id
from api.samples.types import Sample, SampleKind, SampleStatus
from domain.samples import queries, services
from domain.service import Outcome


@strawberry.input
class TakeSampleInput:
    location_id: strawberry.ID
    tag: str
    from_zone_id: strawberry.ID
    quantity: Decimal
    kind: SampleKind = SampleKind.DISPLAY
    unit: Unit | None = None
    samples_zone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the location's first samples zone."
    )
    recipient: str | None = strawberry.field(
        default=None, description="Trade samples: the licence or person receiving it."
    )
    employee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Employee samples: who takes it."
    )
    note: str | None = None
    idempotency_key: str | None = None
    new_tag: str | None = strawberry.field(
        default=None,
        description="Trade samples at METRC licences: a child package under this unused state"
        " tag, reported to the state as a trade sample made from the parent.",
    )
    tag_from_pool: bool = strawberry.field(
        default=False,
        description="Like newTag, with the next unused tag of the state's tag pool.",
    )


@strawberry.input
class CloseSampleInput:
    location_id: strawberry.ID
    sample_id: strawberry.ID
    note: str | None = None
    waste_zone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Rotation only; default: the location's first waste zone."
    )
    idempotency_key: str | None = None


@strawberry.input
class SampleRotationInput:
    location_id: strawberry.ID
    every_days: int
    idempotency_key: str | None = None


@strawberry.type
class SamplePayload:
    sample: Sample
    movements: list[Movement]
    replayed: bool


@strawberry.type
class SampleRotationPayload:
    every_days: int
    rescheduled: int = strawberry.field(description="Display jars out now, given new dates.")
    replayed: bool


SampleResult = Annotated[SamplePayload | SampleError, strawberry.union("SampleResult")]
SampleRotationResult = Annotated[
    SampleRotationPayload | CommonError, strawberry.union("SampleRotationResult")
]


def _first(first: int) -> int:
    return max(1, min(first, 200))


async def _present(info: Info, outcome: Outcome):
    info.context.refresh()
    row = await queries.sample(outcome.value.sample_id)
    if row is None:
        return not_found("sample", outcome.value.sample_id)
    rows = await info.context.loaders.movement.load_many(outcome.value.movement_ids)
    return SamplePayload(
        sample=Sample.from_domain(row),
        movements=[Movement.from_domain(r) for r in rows if r is not None],
        replayed=outcome.replayed,
    )


def _close(input: CloseSampleInput) -> services.CloseSample:
    waste = input.waste_zone_id
    return services.CloseSample(
        location_id=parse_id(input.location_id, "location"),
        sample_id=parse_id(input.sample_id, "sample"),
        note=input.note,
        waste_zone_id=parse_id(waste, "zone") if waste is not None else None,
        idempotency_key=input.idempotency_key,
    )


@strawberry.type
class SampleQueries:
    @strawberry.field(description="Samples taken at a location, newest first.")
    async def samples(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: SampleStatus | None = None,
        kind: SampleKind | None = None,
        first: int = 50,
    ) -> list[Sample]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        rows = await queries.samples(loc, status, kind, _first(first))
        return [Sample.from_domain(r) for r in rows]

    @strawberry.field(description="Display jars due for rotation within the days given.")
    async def samples_due(
        self, info: Info, location_id: strawberry.ID, within_days: int = 7
    ) -> list[Sample]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        rows = await queries.samples_due(loc, max(0, min(within_days, 3650)))
        return [Sample.from_domain(r) for r in rows]


@strawberry.type
class SampleMutations:
    @strawberry.mutation(description="Set part of a package aside as a sample (never sold).")
    async def take_sample(self, info: Info, input: TakeSampleInput) -> SampleResult:
        def command() -> services.TakeSample:
            samples_zone, employee = input.samples_zone_id, input.employee_id
            return services.TakeSample(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                from_zone_id=parse_id(input.from_zone_id, "zone"),
                quantity=input.quantity,
                kind=input.kind,
                unit=input.unit,
                samples_zone_id=parse_id(samples_zone, "zone") if samples_zone else None,
                recipient=input.recipient,
                employee_id=parse_id(employee, "employee") if employee else None,
                note=input.note,
                idempotency_key=input.idempotency_key,
                new_tag=input.new_tag,
                tag_from_pool=input.tag_from_pool,
            )

        return await mutate(info, services.take_sample, command, lambda o: _present(info, o))

    @strawberry.mutation(description="Move a sample out of use into the waste zone.")
    async def rotate_sample(self, info: Info, input: CloseSampleInput) -> SampleResult:
        return await mutate(
            info, services.rotate_sample, lambda: _close(input), lambda o: _present(info, o)
        )

    @strawberry.mutation(description="Give a trade or employee sample to its recipient.")
    async def hand_out_sample(self, info: Info, input: CloseSampleInput) -> SampleResult:
        return await mutate(
            info, services.hand_out_sample, lambda: _close(input), lambda o: _present(info, o)
        )

    @strawberry.mutation(description="How many days display jars stay out at a location.")
    async def set_sample_rotation(
        self, info: Info, input: SampleRotationInput
    ) -> SampleRotationResult:
        return await mutate(
            info,
            services.set_sample_rotation,
            lambda: services.SetSampleRotation(
                location_id=parse_id(input.location_id, "location"),
                every_days=input.every_days,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: SampleRotationPayload(
                every_days=o.value.every_days,
                rescheduled=o.value.rescheduled,
                replayed=o.replayed,
            ),
        )
