"""Waste and destruction: schedule, carry out, the steps, the records and the waste methods."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.destruction.types import Destruction, DestructionSteps, WasteMethodChoice
from api.enums import AdjustmentReason
from api.errors import CommonError, DestructionError, StockError
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.destruction import methods, queries, services, witnesses
from domain.service import Outcome


@strawberry.input
class ScheduleDestructionInput:
    location_id: strawberry.ID
    tag: str
    zone_id: strawberry.ID = strawberry.field(description="Where the waste is now.")
    quantity: Decimal
    reason: AdjustmentReason = AdjustmentReason.DESTRUCTION
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input(description="A witness signs with their own e-mail and PIN (or password).")
class WitnessSignoffInput:
    email: str
    secret: str


@strawberry.input
class CarryOutDestructionInput:
    location_id: strawberry.ID
    destruction_id: strawberry.ID
    method: str = strawberry.field(description="How it was made unusable (see wasteMethods).")
    witnesses: list[WitnessSignoffInput]
    waste_weight: Decimal | None = strawberry.field(
        default=None, description="Grams of cannabis waste (defaults to a gram package's quantity)."
    )
    mixing_material: str | None = None
    mixing_weight: Decimal | None = strawberry.field(
        default=None, description="Grams of non-cannabis material mixed in."
    )
    note: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class SetWastePolicyInput:
    location_id: strawberry.ID
    hold_minutes: int | None = strawberry.field(
        default=None, description="Hold before destruction, where the state rule is unconfirmed."
    )
    witnesses: int | None = None
    state_hold_minutes: int | None = strawberry.field(
        default=None, description="The state system's own hold before its destroy step."
    )
    min_yield_pct: Decimal | None = strawberry.field(
        default=None, description="Repackaging yields below this % of expected are flagged."
    )
    idempotency_key: str | None = None


@strawberry.type
class DestructionPayload:
    replayed: bool
    destruction_id: strawberry.Private[int]
    location_id: strawberry.Private[int]

    @strawberry.field
    async def destruction(self) -> Destruction | None:
        row = await queries.destruction(self.location_id, self.destruction_id)
        return Destruction.from_domain(row) if row else None


@strawberry.type
class WastePolicyPayload:
    replayed: bool
    location_id: strawberry.Private[int]

    @strawberry.field
    async def steps(self, info: Info) -> DestructionSteps:
        steps = await services.location_steps(info.context.uow(), self.location_id)
        return DestructionSteps.from_domain(steps)


ScheduleDestructionResult = Annotated[
    DestructionPayload | StockError, strawberry.union("ScheduleDestructionResult")
]
CarryOutDestructionResult = Annotated[
    DestructionPayload | DestructionError, strawberry.union("CarryOutDestructionResult")
]
SetWastePolicyResult = Annotated[
    WastePolicyPayload | CommonError, strawberry.union("SetWastePolicyResult")
]


def _parsed(into: list[int], value: strawberry.ID) -> int:
    """Parse a location id (inside a mutation's command) and keep it for the payload."""
    into.append(parse_id(value, "location"))
    return into[-1]


def _payload(location_id: int, outcome: Outcome) -> DestructionPayload:
    return DestructionPayload(
        replayed=outcome.replayed,
        destruction_id=outcome.value.destruction_id,
        location_id=location_id,
    )


@strawberry.type
class DestructionQueries:
    @strawberry.field(description="Destruction records of a location, newest first.")
    async def destructions(
        self, info: Info, location_id: strawberry.ID, status: str | None = None
    ) -> list[Destruction]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return [Destruction.from_domain(r) for r in await queries.destructions(loc, status)]

    @strawberry.field(description="What a destruction at this location requires.")
    async def destruction_steps(self, info: Info, location_id: strawberry.ID) -> DestructionSteps:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        steps = await services.location_steps(info.context.uow(), loc)
        return DestructionSteps.from_domain(steps)

    @strawberry.field(description="Waste methods: the state's list, or the rulebook's method.")
    async def waste_methods(self, info: Info, location_id: strawberry.ID) -> WasteMethodChoice:
        loc = query_id(location_id, "location")
        principal = await info.context.reader(loc)
        choice = await methods.waste_methods(info.context.uow(), principal, loc)
        return WasteMethodChoice.from_domain(choice)


@strawberry.type
class DestructionMutations:
    @strawberry.mutation(description="Move waste to the waste zone with a reason; starts its hold.")
    async def schedule_destruction(
        self, info: Info, input: ScheduleDestructionInput
    ) -> ScheduleDestructionResult:
        # Ids are parsed inside the command: a malformed one is a typed NotFound, not a crash.
        loc: list[int] = []
        return await mutate(
            info,
            services.schedule_destruction,
            lambda: services.ScheduleDestruction(
                location_id=_parsed(loc, input.location_id),
                tag=input.tag,
                zone_id=parse_id(input.zone_id, "zone"),
                quantity=input.quantity,
                reason=input.reason,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _payload(loc[0], o),
        )

    @strawberry.mutation(
        description="Destroy held waste (the DESTROY movement): after the hold, with witnesses."
    )
    async def carry_out_destruction(
        self, info: Info, input: CarryOutDestructionInput
    ) -> CarryOutDestructionResult:
        loc: list[int] = []
        return await mutate(
            info,
            services.carry_out_destruction,
            lambda: services.CarryOutDestruction(
                location_id=_parsed(loc, input.location_id),
                destruction_id=parse_id(input.destruction_id, "destruction"),
                method=input.method,
                witnesses=[witnesses.Signoff(w.email, w.secret) for w in input.witnesses],
                waste_weight=input.waste_weight,
                mixing_material=input.mixing_material,
                mixing_weight=input.mixing_weight,
                note=input.note,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: _payload(loc[0], o),
        )

    @strawberry.mutation(description="Configure a location's unconfirmed waste steps.")
    async def set_waste_policy(
        self, info: Info, input: SetWastePolicyInput
    ) -> SetWastePolicyResult:
        return await mutate(
            info,
            services.set_waste_policy,
            lambda: services.SetWastePolicy(
                location_id=parse_id(input.location_id, "location"),
                hold_minutes=input.hold_minutes,
                witnesses=input.witnesses,
                state_hold_minutes=input.state_hold_minutes,
                min_yield_pct=input.min_yield_pct,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: WastePolicyPayload(replayed=o.replayed, location_id=o.value.location_id),
        )
