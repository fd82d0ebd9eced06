"""Count plans over GraphQL: ``countPlan``, ``countsDue``, ``countAccuracy`` and
``setCountPolicy`` (the plan numbers and the count sessions' settings of a location)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated

import strawberry
from graphql import GraphQLError

from api.context import Info
from api.counts.plans_types import CountAccuracy, CountPlan, CountsDue
from api.enums import ZoneKind
from api.errors import CommonError
from api.mutation import mutate
from api.pagination import parse_id, query_id
from domain.counts import accuracy, plan_policy, plan_queries
from domain.service import Outcome

MAX_WITHIN_DAYS = 90


def _bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.type
class CountPlanQueries:
    @strawberry.field(
        description="The location's count plan: ABC classes, how often each class and the vault"
        " zones are counted (and where each number comes from), and quiet hours to count in."
    )
    async def count_plan(self, info: Info, location_id: strawberry.ID) -> CountPlan:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        return CountPlan.from_domain(await plan_queries.count_plan(info.context.registry, loc))

    @strawberry.field(
        description="What is due (within withinDays) and overdue, per zone and class, and the"
        " packages to count, most overdue first."
    )
    async def counts_due(
        self,
        info: Info,
        location_id: strawberry.ID,
        within_days: int = 1,
        first: int = 100,
        offset: int = 0,
    ) -> CountsDue:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        if not 0 <= within_days <= MAX_WITHIN_DAYS:
            raise _bad_input(f"withinDays must be 0 to {MAX_WITHIN_DAYS}")
        if not 1 <= first <= plan_queries.MAX_DUE_PAGE:
            raise _bad_input(f"first must be 1 to {plan_queries.MAX_DUE_PAGE}")
        if not 0 <= offset <= 10_000_000:
            raise _bad_input("offset must be 0 or more")
        due = await plan_queries.counts_due(
            info.context.registry,
            loc,
            within=timedelta(days=within_days),
            first=first,
            offset=offset,
        )
        return CountsDue.from_domain(due, offset)

    @strawberry.field(
        description="Share of packages counted without variance in approved counts, by zone and"
        " by counter, for the last `periods` weeks or months (newest first; periods without"
        " approved counts are left out)."
    )
    async def count_accuracy(
        self,
        info: Info,
        location_id: strawberry.ID,
        period: accuracy.AccuracyPeriod = accuracy.AccuracyPeriod.WEEK,
        periods: int = 12,
    ) -> list[CountAccuracy]:
        loc = query_id(location_id, "location")
        await info.context.reader(loc)
        if not 1 <= periods <= accuracy.MAX_PERIODS:
            raise _bad_input(f"periods must be 1 to {accuracy.MAX_PERIODS}")
        rows = await accuracy.count_accuracy(loc, period, periods)
        return [CountAccuracy.from_domain(r) for r in rows]


@strawberry.input(
    description="Only the fields you send change; a location without a policy"
    " counts on the defaults."
)
class SetCountPolicyInput:
    location_id: strawberry.ID
    class_a_days: int | None = strawberry.field(default=None, description="1 to 730; default 7.")
    class_b_days: int | None = strawberry.field(default=None, description="1 to 730; default 30.")
    class_c_days: int | None = strawberry.field(default=None, description="1 to 730; default 90.")
    vault_days: int | None = strawberry.field(default=None, description="1 to 730; default 7.")
    abc_window_days: int | None = strawberry.field(
        default=None, description="Days of sales the classes read: 7 to 730; default 90."
    )
    class_a_share: Decimal | None = strawberry.field(
        default=None, description="Cumulative share that makes class A: (0, 1], 3 places; 0.8."
    )
    class_b_share: Decimal | None = strawberry.field(
        default=None, description="Cumulative share up to which class B runs; 0.95."
    )
    two_person_zone_kinds: list[ZoneKind] | None = strawberry.field(
        default=None, description="Zone kinds whose counts need a witness (default: vault)."
    )
    two_person_above_threshold: bool | None = None
    variance_quantity_threshold: Decimal | None = strawberry.field(
        default=None, description="0 to 100000, 3 places: above it a recount is required."
    )
    variance_value_threshold: Decimal | None = strawberry.field(
        default=None, description="0 to 1000000, 2 places: above it a recount is required."
    )
    session_limit_hours: int | None = strawberry.field(
        default=None, description="1 to 72: an open count older than this expires."
    )
    blind: bool | None = None
    idempotency_key: str | None = None


@strawberry.type
class CountPolicyPayload:
    plan: CountPlan
    replayed: bool


CountPolicyResult = Annotated[
    CountPolicyPayload | CommonError, strawberry.union("CountPolicyResult")
]


def _command(input: SetCountPolicyInput) -> plan_policy.SetCountPolicy:
    kinds = input.two_person_zone_kinds
    return plan_policy.SetCountPolicy(
        location_id=parse_id(input.location_id, "location"),
        class_a_days=input.class_a_days,
        class_b_days=input.class_b_days,
        class_c_days=input.class_c_days,
        vault_days=input.vault_days,
        abc_window_days=input.abc_window_days,
        class_a_share=input.class_a_share,
        class_b_share=input.class_b_share,
        two_person_zone_kinds=None if kinds is None else tuple(str(k) for k in kinds),
        two_person_above_threshold=input.two_person_above_threshold,
        variance_quantity_threshold=input.variance_quantity_threshold,
        variance_value_threshold=input.variance_value_threshold,
        session_limit_hours=input.session_limit_hours,
        blind=input.blind,
        idempotency_key=input.idempotency_key,
    )


async def _payload(info: Info, outcome: Outcome) -> CountPolicyPayload:
    loc = outcome.value.location_id
    view = await plan_queries.count_plan(info.context.registry, loc)
    return CountPolicyPayload(plan=CountPlan.from_domain(view), replayed=outcome.replayed)


@strawberry.type
class CountPlanMutations:
    @strawberry.mutation(
        description="Set a location's count plan and count-session settings (managers, admins)."
    )
    async def set_count_policy(self, info: Info, input: SetCountPolicyInput) -> CountPolicyResult:
        return await mutate(
            info,
            plan_policy.set_count_policy,
            lambda: _command(input),
            lambda o: _payload(info, o),
        )
