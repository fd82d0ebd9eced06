"""Lab testing: lab samples (create, send, receive back, write off), results (entered or
pulled from the state), and the queries listing them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.catalog.types import Batch
from api.context import Info
from api.enums import LabStatus, Unit
from api.errors import LabError, not_found
from api.lab.types import LabResult, LabSample, LabSampleStatus
from api.mutation import mutate
from api.packages.types import Movement, Package
from api.pagination import parse_id, query_id
from domain.lab import queries, results, samples
from domain.lab.model import Analyte
from domain.service import Outcome


@strawberry.input
class CreateLabSampleInput:
    location_id: strawberry.ID
    tag: str
    from_zone_id: strawberry.ID
    quantity: Decimal
    lab_license: str
    sample_code: str = strawberry.field(description="The lab's own sample id.")
    unit: Unit | None = None
    qa_zone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the location's first QA/testing zone."
    )
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class LabSampleStepInput:
    location_id: strawberry.ID
    lab_sample_id: strawberry.ID
    quantity: Decimal | None = strawberry.field(
        default=None, description="Receiving back: how much the lab returned."
    )
    zone_id: strawberry.ID | None = strawberry.field(
        default=None, description="Receiving back: QA (default), quarantine or vault."
    )
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class AnalyteInput:
    name: str
    passed: bool
    value: Decimal | None = None
    unit: str | None = None


@strawberry.input
class RecordLabResultInput:
    location_id: strawberry.ID
    batch_id: strawberry.ID
    analytes: list[AnalyteInput]
    thc_percent: Decimal | None = None
    cbd_percent: Decimal | None = None
    coa_url: str | None = strawberry.field(default=None, description="The COA file's address.")
    lab_license: str | None = None
    lab_sample_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.input
class PullLabResultsInput:
    location_id: strawberry.ID
    tag: str
    idempotency_key: str | None = None


@strawberry.type
class LabSamplePayload:
    lab_sample: LabSample
    movements: list[Movement]
    replayed: bool


@strawberry.type
class LabResultPayload:
    result: LabResult | None = strawberry.field(
        description="None when nothing new was recorded (already pulled, or nothing to pull)."
    )
    batch: Batch
    lab_status: LabStatus
    held: list[Package] = strawberry.field(description="Packages the result put on hold.")
    released: list[Package] = strawberry.field(description="Lab holds the result lifted.")
    unreadable: int = strawberry.field(description="State tests without a pass or fail.")
    replayed: bool


LabSampleResult = Annotated[LabSamplePayload | LabError, strawberry.union("LabSampleResult")]
LabResultResult = Annotated[LabResultPayload | LabError, strawberry.union("LabResultResult")]


def _first(first: int) -> int:
    return max(1, min(first, 200))


async def _sample(info: Info, outcome: Outcome):
    info.context.refresh()
    row = await queries.lab_sample(outcome.value.lab_sample_id)
    if row is None:
        return not_found("lab sample", outcome.value.lab_sample_id)
    rows = await info.context.loaders.movement.load_many(outcome.value.movement_ids)
    return LabSamplePayload(
        lab_sample=LabSample.from_domain(row),
        movements=[Movement.from_domain(r) for r in rows if r is not None],
        replayed=outcome.replayed,
    )


async def _result(info: Info, outcome: Outcome) -> LabResultPayload:
    info.context.refresh()
    value = outcome.value
    row = await queries.lab_result(value.result_id) if value.result_id is not None else None
    loaders = info.context.loaders
    return LabResultPayload(
        result=LabResult.from_domain(row) if row else None,
        batch=Batch.from_domain(await loaders.batch.one(value.batch_id)),
        lab_status=LabStatus(value.lab_status),
        held=[Package.from_domain(await loaders.package.one(i)) for i in value.held_package_ids],
        released=[
            Package.from_domain(await loaders.package.one(i)) for i in value.released_package_ids
        ],
        unreadable=value.unreadable,
        replayed=outcome.replayed,
    )


def _step(input: LabSampleStepInput) -> samples.LabSampleStep:
    return samples.LabSampleStep(
        location_id=parse_id(input.location_id, "location"),
        lab_sample_id=parse_id(input.lab_sample_id, "lab sample"),
        quantity=input.quantity,
        zone_id=parse_id(input.zone_id, "zone") if input.zone_id is not None else None,
        note=input.note,
        idempotency_key=input.idempotency_key,
    )


@strawberry.type
class LabQueries:
    @strawberry.field(description="Lab samples at a location, newest first.")
    async def lab_samples(
        self,
        info: Info,
        location_id: strawberry.ID,
        status: LabSampleStatus | None = None,
        first: int = 50,
    ) -> list[LabSample]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        rows = await queries.lab_samples(loc, status, _first(first))
        return [LabSample.from_domain(r) for r in rows]

    @strawberry.field(description="Lab results recorded at a location, newest first.")
    async def lab_results(
        self,
        info: Info,
        location_id: strawberry.ID,
        batch_id: strawberry.ID | None = None,
        first: int = 50,
    ) -> list[LabResult]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        batch = query_id(batch_id, "batch") if batch_id is not None else None
        rows = await queries.lab_results(loc, batch, _first(first))
        return [LabResult.from_domain(r) for r in rows]


@strawberry.type
class LabMutations:
    @strawberry.mutation(description="Weigh product into the QA/testing zone as a lab sample.")
    async def create_lab_sample(self, info: Info, input: CreateLabSampleInput) -> LabSampleResult:
        def command() -> samples.CreateLabSample:
            qa = input.qa_zone_id
            return samples.CreateLabSample(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                from_zone_id=parse_id(input.from_zone_id, "zone"),
                quantity=input.quantity,
                lab_license=input.lab_license,
                sample_code=input.sample_code,
                unit=input.unit,
                qa_zone_id=parse_id(qa, "zone") if qa is not None else None,
                note=input.note,
                idempotency_key=input.idempotency_key,
            )

        return await mutate(info, samples.create_lab_sample, command, lambda o: _sample(info, o))

    @strawberry.mutation(description="Send a lab sample to its lab (it leaves the books).")
    async def send_lab_sample(self, info: Info, input: LabSampleStepInput) -> LabSampleResult:
        return await mutate(
            info, samples.send_lab_sample, lambda: _step(input), lambda o: _sample(info, o)
        )

    @strawberry.mutation(description="Take back what the lab returned.")
    async def receive_lab_sample(self, info: Info, input: LabSampleStepInput) -> LabSampleResult:
        return await mutate(
            info, samples.receive_lab_sample, lambda: _step(input), lambda o: _sample(info, o)
        )

    @strawberry.mutation(description="Close a lab sample nothing will come back from.")
    async def write_off_lab_sample(self, info: Info, input: LabSampleStepInput) -> LabSampleResult:
        return await mutate(
            info, samples.write_off_lab_sample, lambda: _step(input), lambda o: _sample(info, o)
        )

    @strawberry.mutation(description="Record a certificate of analysis against a batch.")
    async def record_lab_result(self, info: Info, input: RecordLabResultInput) -> LabResultResult:
        def command() -> results.RecordLabResult:
            lab_sample = input.lab_sample_id
            return results.RecordLabResult(
                location_id=parse_id(input.location_id, "location"),
                batch_id=parse_id(input.batch_id, "batch"),
                analytes=[Analyte(a.name, a.passed, a.value, a.unit) for a in input.analytes],
                thc_percent=input.thc_percent,
                cbd_percent=input.cbd_percent,
                coa_url=input.coa_url,
                lab_license=input.lab_license,
                lab_sample_id=parse_id(lab_sample, "lab sample") if lab_sample else None,
                idempotency_key=input.idempotency_key,
            )

        return await mutate(info, results.record_lab_result, command, lambda o: _result(info, o))

    @strawberry.mutation(description="Pull a package's lab results from the state system.")
    async def pull_lab_results(self, info: Info, input: PullLabResultsInput) -> LabResultResult:
        return await mutate(
            info,
            results.pull_lab_results,
            lambda: results.PullLabResults(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _result(info, o),
        )
