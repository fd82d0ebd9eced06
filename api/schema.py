"""The GraphQL schema: feature roots merged, with query cost limits."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from api.auth.resolvers import AuthMutations, AuthQueries
from api.catalog.resolvers import CatalogMutations, CatalogQueries
from api.live.subscriptions import LiveSubscriptions
from api.locations.resolvers import LocationMutations, LocationQueries
from api.packages.resolvers import PackageMutations, PackageQueries
from api.stock.resolvers import StockMutations, StockQueries

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 4000


def _unexpected(error: GraphQLError) -> bool:
    """Mask only crashes; refusals raised on purpose keep their message and code."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


@strawberry.type
class Query(AuthQueries, LocationQueries, CatalogQueries, PackageQueries, StockQueries):
    pass


@strawberry.type
class Mutation(
    AuthMutations, LocationMutations, CatalogMutations, PackageMutations, StockMutations
):
    pass


@strawberry.type
class Subscription(LiveSubscriptions):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParserCache,
        ValidationCache,
        lambda: MaskErrors(should_mask_error=_unexpected),
    ],
)
