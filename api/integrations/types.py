"""Integration types: connections (never their secrets) and the adapters installed."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.integrations.queries import ConnectionRow
from domain.integrations.tables import IntegrationKind as Kind

# The domain enum itself, registered with strawberry (see api/enums.py).
IntegrationKind = Kind
strawberry.enum(
    IntegrationKind,
    name="IntegrationKind",
    description="pos (sales and voids) or delivery (orders).",
)


@strawberry.type(
    name="IntegrationConnection",
    description="A POS or delivery platform a location accepts webhooks from. The secret is"
    " write-only: shown once when issued.",
)
class IntegrationConnectionNode:
    id: strawberry.ID
    location_id: strawberry.ID
    kind: IntegrationKind
    adapter: str
    acting_user_id: strawberry.ID = strawberry.field(
        description="The user the integration sells and reserves as."
    )
    webhook_endpoint_id: strawberry.ID | None = strawberry.field(
        description="Delivery: the outbound endpoint whose webhooks this adapter shapes."
    )
    active: bool
    created_at: datetime
    updated_at: datetime
    hook_path: str = strawberry.field(description="Where the POS or platform posts its events.")

    @classmethod
    def from_domain(cls, row: ConnectionRow) -> IntegrationConnectionNode:
        endpoint = row.webhook_endpoint_id
        return cls(
            id=strawberry.ID(str(row.id)),
            location_id=strawberry.ID(str(row.location_id)),
            kind=row.kind,
            adapter=row.adapter,
            acting_user_id=strawberry.ID(str(row.acting_user_id)),
            webhook_endpoint_id=None if endpoint is None else strawberry.ID(str(endpoint)),
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
            hook_path=f"/hooks/{row.kind}/{row.adapter}?location={row.location_id}",
        )


@strawberry.type(description="An installed POS or delivery-platform adapter.")
class IntegrationAdapter:
    kind: IntegrationKind
    name: str
    title: str
    description: str
