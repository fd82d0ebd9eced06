"""Audit queries: the last ledger verification, a package's history, stock as of an instant."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.audit.history_types import PackageHistory
from api.audit.types import LedgerVerification, StockAsOf
from api.context import Info
from api.diversion.resolvers import answered, require_caller
from api.pagination import decode_cursor, query_id
from domain.audit import as_of, history, runs


@strawberry.type
class AuditQueries:
    @strawberry.field(
        description="The location's latest verification of its hash chains (null before the"
        " first): heads, rows walked, first broken link per chain. Compliance, auditors,"
        " admins and the store's manager."
    )
    async def ledger_verification(
        self, info: Info, location_id: strawberry.ID
    ) -> LedgerVerification | None:
        principal = await require_caller(info)
        found = await answered(runs.last_run(principal, query_id(location_id, "location")))
        return None if found is None else LedgerVerification.from_domain(found)

    @strawberry.field(
        description="A package's life on one page, with the auditor's roll-up; movements a"
        " page at a time, oldest first."
    )
    async def package_history(
        self,
        info: Info,
        tag: str,
        location_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PackageHistory:
        principal = await require_caller(info)
        blind = await info.context.blind_scope()
        found = await answered(
            history.package_history(
                principal,
                tag,
                location_id=None if location_id is None else query_id(location_id, "location"),
                first=first,
                after=decode_cursor(after),
                hidden_packages=blind.packages,
            )
        )
        return PackageHistory.from_domain(found)

    @strawberry.field(
        description="Every package's per-zone balance at a past instant, rebuilt from the"
        " ledger, with its value at cost and the location's totals."
    )
    async def stock_as_of(
        self,
        info: Info,
        location_id: strawberry.ID,
        at: datetime,
        first: int = 100,
        after: str | None = None,
    ) -> StockAsOf:
        principal = await require_caller(info)
        blind = await info.context.blind_scope()
        found = await answered(
            as_of.stock_as_of(
                principal,
                query_id(location_id, "location"),
                at,
                first,
                decode_cursor(after),
                hidden_packages=blind.packages,
                hidden_zones=blind.zones,
            )
        )
        return StockAsOf.from_domain(found)
