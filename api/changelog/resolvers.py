"""The ``auditLog`` query: the change log, newest first, for auditors, compliance and admins."""

from __future__ import annotations

from datetime import datetime

import strawberry
from graphql import GraphQLError

from api.changelog.types import ChangeLogEntry
from api.context import Info
from api.pagination import Connection, connection, decode_cursor, query_id
from domain.changelog import queries
from domain.changelog import record as changelog


@strawberry.input(description="Narrow the change log; every filter given must match.")
class AuditLogFilter:
    location_id: strawberry.ID | None = strawberry.field(
        default=None, description="One location's rows only (no operator-wide rows)."
    )
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="A user's id.")
    entity_type: str | None = None
    entity_id: str | None = None
    operation: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@strawberry.type
class ChangeLogQueries:
    @strawberry.field(
        description="Every change that is not stock, newest first: the locations where the"
        " caller is an auditor, compliance officer or admin, and their operator's operator-wide"
        " rows."
    )
    async def audit_log(
        self,
        info: Info,
        filter: AuditLogFilter | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[ChangeLogEntry]:
        principal = await info.context.principal()
        if principal is None:
            raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
        f = filter or AuditLogFilter()
        readable = queries.readable_locations(principal)
        location_id = query_id(f.location_id, "location") if f.location_id else None
        if not readable or (location_id is not None and location_id not in readable):
            await changelog.denied(principal, "auditLog", "read the change log", "")
            raise GraphQLError(
                "only auditors, compliance and admins read the change log",
                extensions={"code": "FORBIDDEN"},
            )
        page = await queries.changes_page(
            queries.ChangeFilter(
                location_ids=readable,
                operator_id=principal.operator_id,
                location_id=location_id,
                actor_id=query_id(f.actor_id, "user") if f.actor_id else None,
                entity_type=f.entity_type,
                entity_id=f.entity_id,
                operation=f.operation,
                since=f.since,
                until=f.until,
            ),
            first,
            decode_cursor(after),
        )
        return connection(page, ChangeLogEntry.from_domain)
