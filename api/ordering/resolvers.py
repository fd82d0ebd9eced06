"""Reorder suggestions (query) and the per-category service level (mutation)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from api.context import Info
from api.diversion.resolvers import answered, require_caller
from api.enums import Category
from api.errors import CommonError
from api.mutation import mutate
from api.ordering.types import ReorderSuggestions
from api.pagination import parse_id, query_id
from domain.ordering import policy, suggestions
from domain.service import Outcome


@strawberry.input
class SetOrderingPolicyInput:
    location_id: strawberry.ID
    category: Category
    service_level: Decimal = strawberry.field(
        description="The share of replenishment cycles that end without running out (0.5-0.999)."
    )
    idempotency_key: str | None = None


@strawberry.type
class OrderingPolicyPayload:
    location_id: strawberry.ID
    category: Category
    service_level: Decimal
    replayed: bool


OrderingPolicyResult = Annotated[
    OrderingPolicyPayload | CommonError, strawberry.union("OrderingPolicyResult")
]


def _policy(o: Outcome[policy.OrderingPolicySet]) -> OrderingPolicyPayload:
    return OrderingPolicyPayload(
        location_id=strawberry.ID(str(o.value.location_id)),
        category=Category(o.value.category),
        service_level=Decimal(o.value.service_level),
        replayed=o.replayed,
    )


@strawberry.type
class OrderingQueries:
    @strawberry.field(
        description="What to order, grouped by vendor and order day, each line with its reasons."
    )
    async def reorder_suggestions(
        self,
        info: Info,
        location_ids: list[strawberry.ID],
        history_days: Annotated[
            int, strawberry.argument(description="Days of sales to learn from (14-182).")
        ] = suggestions.WINDOW_DAYS,
    ) -> ReorderSuggestions:
        principal = await require_caller(info)
        locations = [query_id(loc, "location") for loc in location_ids]
        found = await answered(
            suggestions.reorder_suggestions(principal, locations, window_days=history_days)
        )
        return ReorderSuggestions.from_domain(found)


@strawberry.type
class OrderingMutations:
    @strawberry.mutation(description="Set the service level a category's suggestions aim for.")
    async def set_ordering_policy(
        self, info: Info, input: SetOrderingPolicyInput
    ) -> OrderingPolicyResult:
        return await mutate(
            info,
            policy.set_ordering_policy,
            lambda: policy.SetOrderingPolicy(
                location_id=parse_id(input.location_id, "location"),
                category=str(input.category),
                service_level=input.service_level,
                idempotency_key=input.idempotency_key,
            ),
            _policy,
        )
