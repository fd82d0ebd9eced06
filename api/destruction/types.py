"""Destruction records, the steps a location's destructions follow, and the waste methods."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from api.auth.types import User
from api.context import Info
from api.enums import AdjustmentReason
from api.locations.types import Zone
from api.packages.types import Package
from domain.destruction import methods, queries
from domain.destruction.steps import Steps


@strawberry.type(description="Waste from scheduling (held in the waste zone) to its destruction.")
class Destruction:
    id: strawberry.ID
    tag: str
    quantity: Decimal
    unit: str
    reason: AdjustmentReason
    note: str | None
    status: str = strawberry.field(description="scheduled or destroyed.")
    scheduled_at: datetime
    hold_until: datetime = strawberry.field(description="No destruction before this time.")
    witnesses_required: int
    method: str | None
    waste_weight: Decimal | None = strawberry.field(description="Grams of cannabis waste.")
    mixing_material: str | None
    mixing_weight: Decimal | None = strawberry.field(description="Grams of material mixed in.")
    destroyed_at: datetime | None
    state_finish_at: datetime | None = strawberry.field(
        description="When the state system's own second step (BioTrack's destroy) is due."
    )
    state_finished_at: datetime | None
    state_note: str | None
    package_id: strawberry.Private[int]
    zone_id: strawberry.Private[int]
    scheduled_by_id: strawberry.Private[int]
    destroyed_by_id: strawberry.Private[int | None]
    witness_ids: strawberry.Private[list[int]]
    movement_id: strawberry.Private[int | None]

    @strawberry.field
    def destroy_movement_id(self) -> strawberry.ID | None:
        return strawberry.ID(str(self.movement_id)) if self.movement_id else None

    @strawberry.field
    async def package(self, info: Info) -> Package:
        return Package.from_domain(await info.context.loaders.package.one(self.package_id))

    @strawberry.field
    async def waste_zone(self, info: Info) -> Zone:
        return Zone.from_domain(await info.context.loaders.zone.one(self.zone_id))

    @strawberry.field
    async def scheduled_by(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.scheduled_by_id))

    @strawberry.field
    async def destroyed_by(self, info: Info) -> User | None:
        if self.destroyed_by_id is None:
            return None
        return User.from_domain(await info.context.loaders.user.one(self.destroyed_by_id))

    @strawberry.field
    async def witnesses(self, info: Info) -> list[User]:
        rows = await info.context.loaders.user.load_many(self.witness_ids)
        return [User.from_domain(r) for r in rows if r is not None]

    @classmethod
    def from_domain(cls, row: queries.DestructionRow) -> Destruction:
        return cls(
            id=strawberry.ID(str(row.id)),
            tag=row.tag,
            quantity=row.quantity,
            unit=row.unit,
            reason=AdjustmentReason(row.reason),
            note=row.note,
            status=row.status,
            scheduled_at=row.scheduled_at,
            hold_until=row.hold_until,
            witnesses_required=row.witnesses_required,
            method=row.method,
            waste_weight=row.waste_weight,
            mixing_material=row.mixing_material,
            mixing_weight=row.mixing_weight,
            destroyed_at=row.destroyed_at,
            state_finish_at=row.state_finish_at,
            state_finished_at=row.state_finished_at,
            state_note=row.state_note,
            package_id=row.package_id,
            zone_id=row.waste_zone_id,
            scheduled_by_id=row.scheduled_by,
            destroyed_by_id=row.destroyed_by,
            witness_ids=row.witness_ids,
            movement_id=row.movement_id,
        )


@strawberry.type(description="What a destruction here requires, and whose rule says so.")
class DestructionSteps:
    hold_minutes: int
    hold_source: str
    witnesses: int
    witnesses_source: str
    method: str | None = strawberry.field(description="The regulator's words, when known.")
    min_non_cannabis_share: Decimal | None

    @classmethod
    def from_domain(cls, steps: Steps) -> DestructionSteps:
        return cls(
            hold_minutes=int(steps.hold.total_seconds() // 60),
            hold_source=steps.hold_source,
            witnesses=steps.witnesses,
            witnesses_source=steps.witnesses_source,
            method=steps.method,
            min_non_cannabis_share=steps.min_non_cannabis_share,
        )


@strawberry.type(description="The waste methods to choose from.")
class WasteMethodChoice:
    methods: list[str]
    source: str = strawberry.field(description="state (the state system's list) or rulebook.")
    rule: str | None

    @classmethod
    def from_domain(cls, choice: methods.WasteMethodChoice) -> WasteMethodChoice:
        return cls(methods=list(choice.methods), source=choice.source, rule=choice.rule)
