"""The GraphQL schema: feature roots merged, with query cost limits."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from api import metrics, outage
from api.analytics.resolvers import AnalyticsQueries
from api.audit.resolvers import AuditQueries
from api.auth.keys import ApiKeyMutations, ApiKeyQueries
from api.auth.resolvers import AuthMutations, AuthQueries, UserMutations
from api.auth.sessions import SessionMutations
from api.catalog.resolvers import CatalogMutations, CatalogQueries
from api.changelog.resolvers import ChangeLogQueries
from api.compliance.reason_map import AdjustmentReasonMutations, AdjustmentReasonQueries
from api.compliance.resolvers import (
    ComplianceMutations,
    ComplianceQueries,
    ComplianceSubscriptions,
)
from api.counts.plans import CountPlanMutations, CountPlanQueries
from api.counts.resolvers import CountMutations, CountQueries, CountSubscriptions
from api.destruction.resolvers import DestructionMutations, DestructionQueries
from api.display.resolvers import DisplayMutations, DisplayQueries
from api.diversion.resolvers import (
    DiversionMutations,
    DiversionQueries,
    DiversionSubscriptions,
)
from api.integrations.resolvers import IntegrationMutations, IntegrationQueries
from api.key_scopes import ApiKeyScopes
from api.lab.resolvers import LabMutations, LabQueries
from api.labels.resolvers import LabelQueries
from api.list_limits import ListSizeRule
from api.live.subscriptions import LiveSubscriptions
from api.locations.resolvers import LocationMutations, LocationQueries
from api.ordering.resolvers import OrderingMutations, OrderingQueries
from api.packages.resolvers import PackageMutations, PackageQueries
from api.packet.resolvers import PacketMutations, PacketQueries, PacketSubscriptions
from api.purchasing.resolvers import PurchasingMutations, PurchasingQueries
from api.query_cost import QueryCostRule
from api.receiving.resolvers import (
    ReceivingMutations,
    ReceivingQueries,
    ReceivingSubscriptions,
)
from api.repackaging.resolvers import RepackagingMutations, RepackagingQueries
from api.request_guard import RequestGuard
from api.sales.resolvers import SalesMutations, SalesQueries, SalesSubscriptions
from api.samples.resolvers import SampleMutations, SampleQueries
from api.scalars import DATETIME, DECIMAL
from api.shrinkage.resolvers import ShrinkageQueries
from api.stock.resolvers import StockMutations, StockQueries
from api.text_input import RejectNulCharacters
from api.webhooks.resolvers import WebhookMutations, WebhookQueries

log = logging.getLogger(__name__)

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 4000


# The limiters build a new rule class per instance, which defeats ValidationCache (its key
# includes the rules) and re-validates every request: ~2 ms each. Build the rules once.
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ListSizeRule,
    QueryCostRule,
]


class QueryLimits(AddValidationRules):
    """Depth, alias and list-literal limits with stable rule classes, so validation results stay
    cached."""

    def __init__(self) -> None:
        super().__init__(_LIMIT_RULES)


def _unexpected(error: GraphQLError) -> bool:
    """Mask only crashes; refusals raised on purpose keep their message and code, and an
    unreachable database or Redis is answered as SERVICE_UNAVAILABLE (``api.outage``)."""
    original = error.original_error
    return (
        original is not None
        and not isinstance(original, GraphQLError)
        and not outage.is_outage(original)
    )


@strawberry.type
class Query(
    AuthQueries,
    ApiKeyQueries,
    LocationQueries,
    CatalogQueries,
    PackageQueries,
    StockQueries,
    ComplianceQueries,
    AdjustmentReasonQueries,
    SalesQueries,
    ReceivingQueries,
    WebhookQueries,
    IntegrationQueries,
    DiversionQueries,
    ShrinkageQueries,
    DestructionQueries,
    RepackagingQueries,
    SampleQueries,
    LabQueries,
    CountPlanQueries,
    CountQueries,
    DisplayQueries,
    LabelQueries,
    PurchasingQueries,
    PacketQueries,
    OrderingQueries,
    AnalyticsQueries,
    ChangeLogQueries,
    AuditQueries,
):
    pass


@strawberry.type
class Mutation(
    AuthMutations,
    SessionMutations,
    UserMutations,
    ApiKeyMutations,
    LocationMutations,
    CatalogMutations,
    PackageMutations,
    StockMutations,
    ComplianceMutations,
    AdjustmentReasonMutations,
    SalesMutations,
    ReceivingMutations,
    WebhookMutations,
    IntegrationMutations,
    DiversionMutations,
    DestructionMutations,
    RepackagingMutations,
    SampleMutations,
    LabMutations,
    CountPlanMutations,
    CountMutations,
    DisplayMutations,
    PurchasingMutations,
    PacketMutations,
    OrderingMutations,
):
    pass


@strawberry.type
class Subscription(
    LiveSubscriptions,
    ComplianceSubscriptions,
    SalesSubscriptions,
    ReceivingSubscriptions,
    DiversionSubscriptions,
    CountSubscriptions,
    PacketSubscriptions,
):
    pass


class LeafLedgerSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log crashes with their traceback; a client's bad query or missing grant is not ours."""
        for error in errors:
            if outage.is_outage(error):
                log.warning("answered SERVICE_UNAVAILABLE: %s", outage.describe(error))
            elif _unexpected(error):
                StrawberryLogger.error(error, execution_context)
            else:
                log.debug("refused: %s", error.message)


schema = LeafLedgerSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        QueryLimits,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        RequestGuard,
        metrics.OperationMetrics,
        RejectNulCharacters,
        ApiKeyScopes,
        lambda: MaskErrors(should_mask_error=_unexpected),
    ],
    scalar_overrides={datetime: DATETIME, Decimal: DECIMAL},
)
