"""Package queries and the package-life mutations (register, hold, release, recall)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import strawberry

from api.catalog.types import Batch
from api.context import Info
from api.enums import Category, PackageStatus, Unit
from api.errors import CommonError, StockError
from api.mutation import mutate
from api.packages.types import Movement, Package
from api.pagination import Connection, connection, decode_cursor, parse_id, query_id
from domain.inventory import packages, queries
from domain.service import Outcome


@strawberry.input
class PackageFilterInput:
    zone_id: strawberry.ID | None = None
    status: PackageStatus | None = None
    category: Category | None = None
    product_id: strawberry.ID | None = None
    batch_id: strawberry.ID | None = None
    expiring_before: date | None = None
    tag_contains: str | None = None


@strawberry.input
class OpeningBalanceInput:
    zone_id: strawberry.ID
    quantity: Decimal


@strawberry.input
class RegisterPackageInput:
    location_id: strawberry.ID
    tag: str
    product_id: strawberry.ID
    unit: Unit
    balances: list[OpeningBalanceInput]
    batch_id: strawberry.ID | None = None
    unit_cost: Decimal | None = None
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class HoldInput:
    location_id: strawberry.ID
    tag: str
    reason: str
    idempotency_key: str | None = None


@strawberry.input
class RecallBatchInput:
    location_id: strawberry.ID
    batch_id: strawberry.ID
    reason: str
    quarantine_zone_id: strawberry.ID | None = None
    idempotency_key: str | None = None


@strawberry.type
class PackagePayload:
    package: Package
    movements: list[Movement]
    replayed: bool


@strawberry.type
class HoldPayload:
    package: Package
    changed: bool = strawberry.field(description="False when it already had that status.")
    replayed: bool


@strawberry.type
class RecallPayload:
    batch: Batch
    packages: list[Package]
    movements: list[Movement]
    replayed: bool


RegisterPackageResult = Annotated[
    PackagePayload | StockError, strawberry.union("RegisterPackageResult")
]
HoldResult = Annotated[HoldPayload | CommonError, strawberry.union("HoldResult")]
RecallResult = Annotated[RecallPayload | StockError, strawberry.union("RecallResult")]


def _optional_id(value: strawberry.ID | None, entity: str) -> int | None:
    return None if value is None else query_id(value, entity)


@strawberry.type
class PackageQueries:
    @strawberry.field(description="Packages at a location, filtered; cursor-paginated by id.")
    async def packages(
        self,
        info: Info,
        location_id: strawberry.ID,
        filter: PackageFilterInput | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[Package]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        f = filter or PackageFilterInput()
        zone_id = _optional_id(f.zone_id, "zone")
        if zone_id is not None and zone_id in (await info.context.blind_scope()).zones:
            # Which packages the books hold in a zone under your blind count is what you count.
            return connection(queries.Page([], False), Package.from_domain)
        page = await queries.packages_page(
            queries.PackageFilter(
                location_id=loc,
                zone_id=zone_id,
                status=f.status,
                category=f.category,
                product_id=_optional_id(f.product_id, "product"),
                batch_id=_optional_id(f.batch_id, "batch"),
                expiring_before=f.expiring_before,
                tag_contains=f.tag_contains,
            ),
            first,
            decode_cursor(after),
        )
        return connection(page, Package.from_domain)

    @strawberry.field(description="One package by its state tag, with its full history.")
    async def package(self, info: Info, location_id: strawberry.ID, tag: str) -> Package | None:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        row = await queries.package_by_tag(loc, tag)
        return Package.from_domain(row) if row else None


async def _movements(info: Info, ids: list[int]) -> list[Movement]:
    rows = await info.context.loaders.movement.load_many(ids)
    return [Movement.from_domain(r) for r in rows if r is not None]


async def _package(info: Info, package_id: int) -> Package:
    return Package.from_domain(await info.context.loaders.package.one(package_id))


@strawberry.type
class PackageMutations:
    @strawberry.mutation(description="Bring a package already on site into the ledger.")
    async def register_package(
        self, info: Info, input: RegisterPackageInput
    ) -> RegisterPackageResult:
        async def present(outcome: Outcome) -> PackagePayload:
            info.context.refresh()
            return PackagePayload(
                package=await _package(info, outcome.value.package_id),
                movements=await _movements(info, outcome.value.movement_ids),
                replayed=outcome.replayed,
            )

        return await mutate(
            info,
            packages.register_package,
            lambda: packages.RegisterPackage(
                location_id=parse_id(input.location_id, "location"),
                tag=input.tag,
                product_id=parse_id(input.product_id, "product"),
                unit=input.unit,
                balances=[
                    packages.OpeningBalance(parse_id(b.zone_id, "zone"), b.quantity)
                    for b in input.balances
                ],
                batch_id=parse_id(input.batch_id, "batch") if input.batch_id else None,
                unit_cost=input.unit_cost,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(description="Stop a package being sold or displayed.")
    async def hold_package(self, info: Info, input: HoldInput) -> HoldResult:
        return await _change_hold(info, input, packages.hold_package)

    @strawberry.mutation(description="Lift a hold or recall from a package.")
    async def release_package(self, info: Info, input: HoldInput) -> HoldResult:
        return await _change_hold(info, input, packages.release_package)

    @strawberry.mutation(
        description="Hold every package of a batch and pull floor and reserved stock into"
        " quarantine."
    )
    async def recall_batch(self, info: Info, input: RecallBatchInput) -> RecallResult:
        def command() -> packages.RecallBatch:
            quarantine = input.quarantine_zone_id
            return packages.RecallBatch(
                location_id=parse_id(input.location_id, "location"),
                batch_id=parse_id(input.batch_id, "batch"),
                reason=input.reason,
                quarantine_zone_id=parse_id(quarantine, "zone") if quarantine else None,
                idempotency_key=input.idempotency_key,
            )

        async def present(outcome: Outcome) -> RecallPayload:
            info.context.refresh()
            rows = await info.context.loaders.package.load_many(outcome.value.package_ids)
            return RecallPayload(
                batch=Batch.from_domain(
                    await info.context.loaders.batch.one(outcome.value.batch_id)
                ),
                packages=[Package.from_domain(r) for r in rows if r is not None],
                movements=await _movements(info, outcome.value.movement_ids),
                replayed=outcome.replayed,
            )

        return await mutate(info, packages.recall_batch, command, present)


async def _change_hold(info: Info, input: HoldInput, service) -> HoldResult:
    async def present(outcome: Outcome) -> HoldPayload:
        info.context.refresh()
        return HoldPayload(
            package=await _package(info, outcome.value.package_id),
            changed=outcome.value.changed,
            replayed=outcome.replayed,
        )

    return await mutate(
        info,
        service,
        lambda: packages.ChangeHold(
            location_id=parse_id(input.location_id, "location"),
            tag=input.tag,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        ),
        present,
    )
