"""The shrinkage report query, for a dashboard."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.context import Info
from api.diversion.resolvers import answered, require_caller
from api.pagination import query_id
from api.shrinkage.types import ShrinkageReport
from domain.shrinkage import report


@strawberry.type
class ShrinkageQueries:
    @strawberry.field(description="Loss by cause, zone, category, product, person and week.")
    async def shrinkage_report(
        self,
        info: Info,
        location_ids: list[strawberry.ID],
        first: Annotated[
            date, strawberry.argument(name="from", description="The first local day.")
        ],
        last: Annotated[
            date, strawberry.argument(name="to", description="The last local day (included).")
        ],
    ) -> ShrinkageReport:
        principal = await require_caller(info)
        locations = [query_id(loc, "location") for loc in location_ids]
        found = await answered(report.shrinkage_report(principal, locations, first, last))
        return ShrinkageReport.from_domain(found)
