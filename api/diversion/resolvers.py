"""Diversion queries (flags, thresholds), mutations (access events, badges, shifts, reviews,
thresholds) and the ``diversionFlagRaised`` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable
from datetime import datetime
from typing import Annotated, TypeVar

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.diversion.types import (
    AccessDirection,
    DiversionFlag,
    DiversionThreshold,
    FlagReview,
    FlagStatus,
)
from api.errors import CommonError, FlagAlreadyDismissed
from api.live.feeds import Feed
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.diversion import access, flags
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.events import DiversionFlagRaised
from domain.identity.principal import Principal
from domain.service import Outcome

FLAGS = Feed(DiversionFlagRaised)
T = TypeVar("T")


async def answered(call: Awaitable[T]) -> T:
    """A query's refusal as a GraphQL error with a code (never a server error)."""
    try:
        return await call
    except PermissionDenied as exc:
        raise GraphQLError(exc.message, extensions={"code": "FORBIDDEN"}) from None
    except NotFound as exc:
        raise GraphQLError(exc.message, extensions={"code": "NOT_FOUND"}) from None
    except DomainError as exc:
        raise GraphQLError(exc.message, extensions={"code": "BAD_USER_INPUT"}) from None


async def require_caller(info: Info) -> Principal:
    """For queries: the caller, or an UNAUTHENTICATED error."""
    principal = await info.context.principal()
    if principal is None:
        raise GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
    return principal


@strawberry.input
class AccessEventInput:
    event_id: str = strawberry.field(description="The door system's id; kept once per source.")
    occurred_at: datetime
    direction: AccessDirection
    zone: str = strawberry.field(description="The zone's name (unknown names are recorded).")
    badge: str = strawberry.field(description="The badge code (unknown badges are recorded).")


@strawberry.input
class RecordAccessEventsInput:
    location_id: strawberry.ID
    source: str = strawberry.field(description="The door or badge system sending the events.")
    events: list[AccessEventInput]
    idempotency_key: str | None = None


@strawberry.type
class AccessEventsPayload:
    recorded: int
    duplicates: int = strawberry.field(description="Event ids this source had sent before.")
    unknown: int = strawberry.field(description="Recorded with an unknown zone or badge.")
    access_event_ids: list[strawberry.ID]
    replayed: bool


@strawberry.input
class AssignBadgeInput:
    location_id: strawberry.ID
    code: str
    user_id: strawberry.ID
    idempotency_key: str | None = None


@strawberry.type
class BadgePayload:
    badge_id: strawberry.ID
    replayed: bool


@strawberry.input
class ScheduleShiftInput:
    location_id: strawberry.ID
    user_id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    idempotency_key: str | None = None


@strawberry.type
class ShiftPayload:
    shift_id: strawberry.ID
    replayed: bool


@strawberry.input
class ReviewDiversionFlagInput:
    flag_id: strawberry.ID
    action: FlagReview
    note: str | None = strawberry.field(default=None, description="Required to dismiss.")
    idempotency_key: str | None = None


@strawberry.type
class DiversionFlagPayload:
    flag: DiversionFlag
    replayed: bool


@strawberry.input
class ThresholdInput:
    name: str
    value: str


@strawberry.input
class SetDiversionThresholdsInput:
    location_id: strawberry.ID
    values: list[ThresholdInput]
    idempotency_key: str | None = None


@strawberry.type
class DiversionThresholdsPayload:
    thresholds: list[DiversionThreshold]
    replayed: bool


AccessEventsResult = Annotated[
    AccessEventsPayload | CommonError, strawberry.union("RecordAccessEventsResult")
]
BadgeResult = Annotated[BadgePayload | CommonError, strawberry.union("AssignBadgeResult")]
ShiftResult = Annotated[ShiftPayload | CommonError, strawberry.union("ScheduleShiftResult")]
ReviewResult = Annotated[
    DiversionFlagPayload | FlagAlreadyDismissed | CommonError,
    strawberry.union("ReviewDiversionFlagResult"),
]
ThresholdsResult = Annotated[
    DiversionThresholdsPayload | CommonError, strawberry.union("SetDiversionThresholdsResult")
]


@strawberry.type
class DiversionQueries:
    @strawberry.field(description="Diversion flags at the locations named, newest first.")
    async def diversion_flags(
        self,
        info: Info,
        location_ids: list[strawberry.ID],
        status: FlagStatus | None = None,
        since: datetime | None = None,
        first: int = 100,
    ) -> list[DiversionFlag]:
        principal = await require_caller(info)
        locations = [query_id(loc, "location") for loc in location_ids]
        rows = await answered(flags.list_flags(principal, locations, status, since, first))
        return [DiversionFlag.from_domain(r) for r in rows]

    @strawberry.field(description="The diversion rules' thresholds at a location.")
    async def diversion_thresholds(
        self, info: Info, location_id: strawberry.ID
    ) -> list[DiversionThreshold]:
        principal = await require_caller(info)
        loc = query_id(location_id, "location")
        return DiversionThreshold.all_from_domain(await answered(flags.thresholds(principal, loc)))


@strawberry.type
class DiversionMutations:
    @strawberry.mutation(description="Record door and badge events (each event id once).")
    async def record_access_events(
        self, info: Info, input: RecordAccessEventsInput
    ) -> AccessEventsResult:
        def present(o: Outcome[access.AccessEventsSaved]) -> AccessEventsPayload:
            return AccessEventsPayload(
                recorded=o.value.recorded,
                duplicates=o.value.duplicates,
                unknown=o.value.unknown,
                access_event_ids=[strawberry.ID(str(i)) for i in o.value.access_event_ids],
                replayed=o.replayed,
            )

        return await mutate(
            info,
            access.record_access_events,
            lambda: access.RecordAccessEvents(
                location_id=parse_id(input.location_id, "location"),
                source=input.source,
                events=[
                    access.AccessEventInput(
                        e.event_id, e.occurred_at, e.direction.value, e.zone, e.badge
                    )
                    for e in input.events
                ],
                idempotency_key=input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(description="Map a door system's badge to a person.")
    async def assign_badge(self, info: Info, input: AssignBadgeInput) -> BadgeResult:
        return await mutate(
            info,
            access.assign_badge,
            lambda: access.AssignBadge(
                parse_id(input.location_id, "location"),
                input.code,
                parse_id(input.user_id, "user"),
                input.idempotency_key,
            ),
            lambda o: BadgePayload(
                badge_id=strawberry.ID(str(o.value.badge_id)), replayed=o.replayed
            ),
        )

    @strawberry.mutation(
        description="Schedule a person's shift (vault access inside it is expected)."
    )
    async def schedule_shift(self, info: Info, input: ScheduleShiftInput) -> ShiftResult:
        return await mutate(
            info,
            access.schedule_shift,
            lambda: access.ScheduleShift(
                parse_id(input.location_id, "location"),
                parse_id(input.user_id, "user"),
                input.starts_at,
                input.ends_at,
                input.idempotency_key,
            ),
            lambda o: ShiftPayload(
                shift_id=strawberry.ID(str(o.value.shift_id)), replayed=o.replayed
            ),
        )

    @strawberry.mutation(description="Acknowledge, escalate or dismiss (with a reason) a flag.")
    async def review_diversion_flag(
        self, info: Info, input: ReviewDiversionFlagInput
    ) -> ReviewResult:
        principal = await info.context.principal()

        async def present(o: Outcome[flags.FlagReviewed]) -> DiversionFlagPayload:
            assert principal is not None
            row = await flags.get_flag(principal, o.value.flag_id)
            return DiversionFlagPayload(flag=DiversionFlag.from_domain(row), replayed=o.replayed)

        return await mutate(
            info,
            flags.review_flag,
            lambda: flags.ReviewFlag(
                parse_id(input.flag_id, "diversion flag"),
                flags.Review(input.action.value),
                input.note,
                input.idempotency_key,
            ),
            present,
        )

    @strawberry.mutation(
        description="Tune the diversion rules at a location (names not sent keep their value)."
    )
    async def set_diversion_thresholds(
        self, info: Info, input: SetDiversionThresholdsInput
    ) -> ThresholdsResult:
        principal = await info.context.principal()

        async def present(o: Outcome[flags.ThresholdsSet]) -> DiversionThresholdsPayload:
            assert principal is not None
            now = await flags.thresholds(principal, o.value.location_id)
            return DiversionThresholdsPayload(
                thresholds=DiversionThreshold.all_from_domain(now), replayed=o.replayed
            )

        return await mutate(
            info,
            flags.set_thresholds,
            lambda: flags.SetThresholds(
                parse_id(input.location_id, "location"),
                {v.name: v.value for v in input.values},
                input.idempotency_key,
            ),
            present,
        )


@strawberry.type
class DiversionSubscriptions:
    @strawberry.subscription(description="Each diversion flag as it is raised at a location.")
    async def diversion_flag_raised(
        self, info: Info, location_id: strawberry.ID
    ) -> AsyncGenerator[DiversionFlag, None]:
        loc = query_id(location_id, "location")
        principal = await require_caller(info)
        await answered(flags.thresholds(principal, loc))  # may the caller read flags here?
        async with info.context.broadcaster.listen(loc) as queue:
            while True:
                _, event = await FLAGS.next(queue)
                try:
                    row = await flags.get_flag(principal, event.flag_id)
                except NotFound:
                    continue
                yield DiversionFlag.from_domain(row)
