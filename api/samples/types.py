"""Sample types: the sample log and the due list."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.context import Info
from api.locations.types import Zone
from api.packages.types import Package
from domain.samples import model
from domain.samples.queries import SampleRow

SampleKind = model.SampleKind
SampleStatus = model.SampleStatus
strawberry.enum(SampleKind, description="Display jar, trade sample or employee sample.")
strawberry.enum(SampleStatus)


@strawberry.type(description="Stock set aside as a sample, logged apart from sales.")
class Sample:
    id: strawberry.ID = strawberry.field(description="The sample id.")
    tag: str = strawberry.field(description="The package the sample's stock belongs to.")
    parent_tag: str | None = strawberry.field(
        description="A trade sample made a child package: the package it was taken from."
    )
    kind: SampleKind
    status: SampleStatus
    quantity: Decimal
    recipient: str | None
    note: str | None
    rotate_by: date | None = strawberry.field(description="Display jars: when to rotate out.")
    overdue: bool
    taken_at: datetime
    closed_at: datetime | None
    package_id: strawberry.Private[int]
    zone_id: strawberry.Private[int]
    employee_id: strawberry.Private[int | None]
    taken_by_id: strawberry.Private[int]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field(description="The samples zone holding it while it is out.")
    async def zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @strawberry.field
    async def employee(self, info: Info) -> User | None:
        if self.employee_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.employee_id))

    @strawberry.field
    async def taken_by(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.taken_by_id))

    @classmethod
    def from_domain(cls, row: SampleRow) -> Sample:
        return cls(
            id=strawberry.ID(str(row.id)),
            tag=row.tag,
            parent_tag=row.parent_tag,
            kind=SampleKind(row.kind),
            status=SampleStatus(row.status),
            quantity=row.quantity,
            recipient=row.recipient,
            note=row.note,
            rotate_by=row.rotate_by,
            overdue=row.overdue,
            taken_at=row.taken_at,
            closed_at=row.closed_at,
            package_id=row.package_id,
            zone_id=row.zone_id,
            employee_id=row.employee_id,
            taken_by_id=row.taken_by_id,
        )
