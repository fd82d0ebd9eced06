"""The change log as GraphQL: one entry per change, its actor and its before/after."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from api.auth.types import User
from api.context import Info
from domain.changelog.queries import ChangeRow


@strawberry.type(description="One change that is not stock, chained to the one before it.")
class ChangeLogEntry:
    id: strawberry.ID
    occurred_at: datetime
    actor_kind: str = strawberry.field(description="user, partner_key, worker or system.")
    api_key_id: strawberry.ID | None
    client: str | None = strawberry.field(
        description="The client it came from (a request's User-Agent, or the job's name)."
    )
    operation: str = strawberry.field(description="The mutation (or login, permissionDenied).")
    entity_type: str
    entity_id: str | None
    location_id: strawberry.ID | None = strawberry.field(
        description="Null for an operator-wide change (catalogue, users, sign-ins, denials)."
    )
    before: JSON | None = strawberry.field(description="The changed fields as they were.")
    after: JSON | None = strawberry.field(description="The changed fields as they became.")
    sequence: int = strawberry.field(description="The row's place in its chain.")
    prev_hash: str
    hash: str
    user_id: strawberry.Private[int | None]

    @strawberry.field(description="The person (or a key's own user) who made the change.")
    async def actor(self, info: Info) -> User | None:
        if self.user_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.user_id))

    @classmethod
    def from_domain(cls, row: ChangeRow) -> ChangeLogEntry:
        return cls(
            id=strawberry.ID(str(row.id)),
            occurred_at=row.occurred_at,
            actor_kind=str(row.actor_kind),
            api_key_id=strawberry.ID(str(row.api_key_id)) if row.api_key_id else None,
            client=row.client,
            operation=row.operation,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            location_id=strawberry.ID(str(row.location_id)) if row.location_id else None,
            before=cast(JSON, row.before),
            after=cast(JSON, row.after),
            sequence=row.sequence,
            prev_hash=row.prev_hash,
            hash=row.hash,
            user_id=row.user_id,
        )
