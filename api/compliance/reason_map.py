"""The per-licence adjustment reason map: what compliance sees and sets (METRC licences)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.context import Info
from api.enums import AdjustmentReason
from api.errors import CommonError, StateSystemUnavailable, UnknownStateReason
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.compliance import adjustment_reasons as reasons
from domain.service import Outcome


@strawberry.type(description="One of the state's adjustment reasons, and what it requires.")
class StateAdjustmentReason:
    name: str
    requires_note: bool
    requires_waste_weight: bool
    listed: bool = strawberry.field(
        description="False: mapped, but the state no longer lists it (its reports are held)."
    )

    @classmethod
    def of(cls, info: reasons.StateReasonInfo) -> StateAdjustmentReason:
        return cls(
            name=info.name,
            requires_note=info.requires_note,
            requires_waste_weight=info.requires_waste_weight,
            listed=info.listed,
        )

    @classmethod
    def of_optional(cls, info: reasons.StateReasonInfo | None) -> StateAdjustmentReason | None:
        return None if info is None else cls.of(info)


@strawberry.type(description="One of our reasons and the state reason it is reported as.")
class AdjustmentReasonMapping:
    reason: AdjustmentReason
    state_reason: StateAdjustmentReason | None = strawberry.field(
        description="What is sent; null: unmapped, so its adjustments are held, not sent."
    )
    suggestion: StateAdjustmentReason | None = strawberry.field(
        description="A state reason whose name looks like ours. Shown only: never sent."
    )
    held_reports: int = strawberry.field(description="Reports waiting for this mapping.")


@strawberry.type(description="How a licence's adjustment reasons reach its state system.")
class AdjustmentReasonMap:
    location_id: strawberry.ID
    system: str
    applies: bool = strawberry.field(
        description="False: this state system maps reasons itself (BioTrack, CCRS)."
    )
    fetched_at: datetime | None = strawberry.field(
        description="When the state's reasons were last fetched (null: never)."
    )
    state_reasons: list[StateAdjustmentReason]
    mappings: list[AdjustmentReasonMapping]

    @classmethod
    def of(cls, view: reasons.ReasonMapView) -> AdjustmentReasonMap:
        return cls(
            location_id=strawberry.ID(str(view.location_id)),
            system=view.system,
            applies=view.applies,
            fetched_at=view.fetched_at,
            state_reasons=[StateAdjustmentReason.of(r) for r in view.state_reasons],
            mappings=[
                AdjustmentReasonMapping(
                    reason=line.reason,
                    state_reason=StateAdjustmentReason.of_optional(line.mapped),
                    suggestion=StateAdjustmentReason.of_optional(line.suggestion),
                    held_reports=line.held_reports,
                )
                for line in view.lines
            ],
        )


@strawberry.type
class AdjustmentReasonMapPayload:
    map: AdjustmentReasonMap
    replayed: bool


@strawberry.input
class SetAdjustmentReasonMappingInput:
    location_id: strawberry.ID
    reason: AdjustmentReason
    state_reason: str | None = strawberry.field(
        default=None,
        description="One of the state's reason names as last fetched; null clears the mapping.",
    )
    idempotency_key: str | None = None


AdjustmentReasonMapResult = Annotated[
    AdjustmentReasonMapPayload | UnknownStateReason | StateSystemUnavailable | CommonError,
    strawberry.union("AdjustmentReasonMapResult"),
]


async def _present(info: Info, outcome: Outcome) -> AdjustmentReasonMapPayload:
    view = await reasons.view(info.context.registry, outcome.value.location_id)
    return AdjustmentReasonMapPayload(map=AdjustmentReasonMap.of(view), replayed=outcome.replayed)


@strawberry.type
class AdjustmentReasonQueries:
    @strawberry.field(
        description="Each of our adjustment reasons with the state reason it is sent as, a"
        " suggestion from the names, and what the state's reasons require."
    )
    async def adjustment_reason_map(
        self, info: Info, location_id: strawberry.ID
    ) -> AdjustmentReasonMap:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return AdjustmentReasonMap.of(await reasons.view(info.context.registry, loc))


@strawberry.type
class AdjustmentReasonMutations:
    @strawberry.mutation(
        description="Choose (or clear) the state reason one of our reasons is sent as at a"
        " licence; held reports with that reason go out on the next drain."
    )
    async def set_adjustment_reason_mapping(
        self, info: Info, input: SetAdjustmentReasonMappingInput
    ) -> AdjustmentReasonMapResult:
        return await mutate(
            info,
            reasons.set_mapping,
            lambda: reasons.SetReasonMapping(
                location_id=parse_id(input.location_id, "location"),
                reason=input.reason,
                state_reason=input.state_reason,
                idempotency_key=input.idempotency_key,
            ),
            lambda outcome: _present(info, outcome),
        )

    @strawberry.mutation(description="Fetch the licence's adjustment reasons from the state now.")
    async def refresh_state_adjustment_reasons(
        self, info: Info, location_id: strawberry.ID, idempotency_key: str | None = None
    ) -> AdjustmentReasonMapResult:
        return await mutate(
            info,
            reasons.refresh,
            lambda: reasons.RefreshStateReasons(parse_id(location_id, "location"), idempotency_key),
            lambda outcome: _present(info, outcome),
        )
