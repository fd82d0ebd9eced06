"""The labels query: a sheet of package labels as a PDF, or why not."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.diversion.resolvers import require_caller
from api.errors import LabelError
from api.labels.types import LabelFormat, LabelSheet
from api.mutation import refusal
from domain.errors import DomainError
from domain.labels import service

LabelsResult = Annotated[LabelSheet | LabelError, strawberry.union("LabelsResult")]


@strawberry.type
class LabelQueries:
    @strawberry.field(
        description="Labels for packages (tag as Code 128 and QR, the state's required fields "
        f"and warning), at most {service.MAX_TAGS} tags, all at locations you may read."
    )
    async def labels(
        self, info: Info, tags: list[str], format: LabelFormat | None = None
    ) -> LabelsResult:
        principal = await require_caller(info)
        try:
            sheet = await service.label_sheet(
                principal, info.context.registry, tags, format or LabelFormat.LABEL_4X2
            )
        except DomainError as refused:
            return refusal(refused, LabelsResult)
        return LabelSheet.from_domain(sheet)
