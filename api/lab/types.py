"""Lab-sample and lab-result types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.catalog.types import Batch
from api.context import Info
from api.packages.types import Package
from domain.lab import model
from domain.lab.queries import LabResultRow, LabSampleRow

LabSampleStatus = model.LabSampleStatus
strawberry.enum(LabSampleStatus)


@strawberry.type(description="Product weighed out for a testing lab, and where it is now.")
class LabSample:
    id: strawberry.ID
    tag: str
    sample_code: str = strawberry.field(description="The lab's own sample id.")
    lab_license: str
    quantity: Decimal
    returned_quantity: Decimal | None
    status: LabSampleStatus
    note: str | None
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None
    package_id: strawberry.Private[int]

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @classmethod
    def from_domain(cls, row: LabSampleRow) -> LabSample:
        return cls(
            id=strawberry.ID(str(row.id)),
            tag=row.tag,
            sample_code=row.sample_code,
            lab_license=row.lab_license,
            quantity=row.quantity,
            returned_quantity=row.returned_quantity,
            status=LabSampleStatus(row.status),
            note=row.note,
            created_at=row.created_at,
            sent_at=row.sent_at,
            closed_at=row.closed_at,
            package_id=row.package_id,
        )


@strawberry.type(description="One test on a certificate of analysis.")
class LabAnalyte:
    name: str
    passed: bool
    value: Decimal | None
    unit: str | None


@strawberry.type(description="A certificate of analysis recorded against a batch.")
class LabResult:
    id: strawberry.ID
    passed: bool
    thc_percent: Decimal | None
    cbd_percent: Decimal | None
    analytes: list[LabAnalyte]
    coa_url: str | None
    lab_license: str | None
    source: str = strawberry.field(description="'entered', or the state system it came from.")
    recorded_at: datetime
    batch_id: strawberry.Private[int]

    @strawberry.field
    async def batch(self, info: Info) -> Batch:
        return Batch.from_domain(await info.context.loaders.batch.one(self.batch_id))

    @classmethod
    def from_domain(cls, row: LabResultRow) -> LabResult:
        return cls(
            id=strawberry.ID(str(row.id)),
            passed=row.passed,
            thc_percent=row.thc_percent,
            cbd_percent=row.cbd_percent,
            analytes=[
                LabAnalyte(name=a.name, passed=a.passed, value=a.value, unit=a.unit)
                for a in row.analytes
            ],
            coa_url=row.coa_url,
            lab_license=row.lab_license,
            source=row.source,
            recorded_at=row.recorded_at,
            batch_id=row.batch_id,
        )
