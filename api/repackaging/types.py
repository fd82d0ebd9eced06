"""Repackaging runs as the API shows them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.context import Info
from domain.repackaging import queries


@strawberry.type(description="One package a repack took from or made, and how much.")
class RepackLine:
    tag: str
    quantity: Decimal


@strawberry.type(description="A split or an assembly: inputs consumed, outputs made, loss, yield.")
class Repack:
    id: strawberry.ID
    kind: str = strawberry.field(description="split or assemble.")
    packaging_loss: Decimal = strawberry.field(description="Grams written off as packaging waste.")
    expected_yield_pct: Decimal | None
    yield_pct: Decimal | None
    low_yield: bool = strawberry.field(
        description="Below the location's threshold share of the expected yield."
    )
    note: str | None
    occurred_at: datetime
    inputs: list[RepackLine]
    outputs: list[RepackLine]
    actor_id: strawberry.Private[int]

    @strawberry.field
    async def actor(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.actor_id))

    @classmethod
    def from_domain(cls, row: queries.RepackRow) -> Repack:
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=row.kind,
            packaging_loss=row.packaging_loss,
            expected_yield_pct=row.expected_yield_pct,
            yield_pct=row.yield_pct,
            low_yield=row.low_yield,
            note=row.note,
            occurred_at=row.occurred_at,
            inputs=[RepackLine(tag=t, quantity=q) for t, q in row.inputs],
            outputs=[RepackLine(tag=t, quantity=q) for t, q in row.outputs],
            actor_id=row.actor_id,
        )
