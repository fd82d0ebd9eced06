"""The floor display's query and its settings mutation."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.display.types import FloorBoard
from api.errors import CommonError
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.display import board, services
from domain.display.model import ExpiringMode
from domain.service import Outcome


@strawberry.input
class SetFloorDisplayInput:
    location_id: strawberry.ID
    expiring_days: int | None = strawberry.field(
        default=None, description="Flag (or hide) stock expiring within this many days: 0 to 365."
    )
    expiring_mode: ExpiringMode | None = None
    idempotency_key: str | None = None


@strawberry.type
class FloorDisplayPayload:
    board: FloorBoard
    replayed: bool


FloorDisplayResult = Annotated[
    FloorDisplayPayload | CommonError, strawberry.union("FloorDisplayResult")
]


async def _board(location_id: int) -> FloorBoard:
    found = await board.floor_board(location_id)
    if found is None:  # the caller's grant was checked: the location exists
        raise LookupError(f"location {location_id} vanished")
    return FloorBoard.from_domain(found)


@strawberry.type
class DisplayQueries:
    @strawberry.field(description="The sales-floor display's board (display keys may read it).")
    async def floor_board(self, info: Info, location_id: strawberry.ID) -> FloorBoard:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return await _board(loc)


async def _payload(outcome: Outcome) -> FloorDisplayPayload:
    return FloorDisplayPayload(
        board=await _board(outcome.value.location_id), replayed=outcome.replayed
    )


@strawberry.type
class DisplayMutations:
    @strawberry.mutation(description="Whether the floor display flags or hides expiring stock.")
    async def set_floor_display(
        self, info: Info, input: SetFloorDisplayInput
    ) -> FloorDisplayResult:
        return await mutate(
            info,
            services.set_floor_display,
            lambda: services.SetFloorDisplay(
                location_id=parse_id(input.location_id, "location"),
                expiring_days=input.expiring_days,
                expiring_mode=input.expiring_mode,
                idempotency_key=input.idempotency_key,
            ),
            _payload,
        )
