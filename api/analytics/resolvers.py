"""Analytics queries for dashboards. Each answers its report, or a typed refusal (a union
member, as mutations do): naming a location the caller holds no analytics grant at is
``LocationsNotGranted``; leaving ``locationIds`` out means every location the caller may read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any, TypeVar

import strawberry

from api.analytics.types import (
    ExpiringStockReport,
    MarginDimension,
    MarginReport,
    SellThroughReport,
    ShrinkageRateReport,
    StockAcrossLocations,
    StockAgingReport,
    TurnoverReport,
)
from api.context import Info
from api.errors import AnalyticsError
from api.mutation import refusal
from api.pagination import parse_id
from domain.analytics import sales, stock
from domain.errors import DomainError
from domain.identity.principal import Principal

O = TypeVar("O")  # noqa: E741

LocationIds = Annotated[
    list[strawberry.ID] | None,
    strawberry.argument(description="Locations to cover; none: every one you may read."),
]
From = Annotated[date, strawberry.argument(name="from", description="The first local day.")]
To = Annotated[date, strawberry.argument(name="to", description="The last local day (included).")]

MarginsResult = Annotated[MarginReport | AnalyticsError, strawberry.union("MarginsResult")]
TurnoverResult = Annotated[TurnoverReport | AnalyticsError, strawberry.union("TurnoverResult")]
SellThroughResult = Annotated[
    SellThroughReport | AnalyticsError, strawberry.union("SellThroughResult")
]
ShrinkageRateResult = Annotated[
    ShrinkageRateReport | AnalyticsError, strawberry.union("ShrinkageRateResult")
]
StockAgingResult = Annotated[
    StockAgingReport | AnalyticsError, strawberry.union("StockAgingResult")
]
ExpiringStockResult = Annotated[
    ExpiringStockReport | AnalyticsError, strawberry.union("ExpiringStockResult")
]
StockAcrossResult = Annotated[
    StockAcrossLocations | AnalyticsError, strawberry.union("StockAcrossLocationsResult")
]


def _locations(ids: list[strawberry.ID] | None) -> list[int] | None:
    return None if ids is None else [parse_id(i, "location") for i in ids]


async def _answer(
    info: Info, call: Callable[[Principal], Awaitable[O]], present: Callable[[O], Any]
) -> Any:
    try:
        principal = await info.context.require_principal()
        found = await call(principal)
    except DomainError as exc:
        return refusal(exc, info.return_type)
    return present(found)


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(description="Margins by product, category, brand or vendor.")
    async def sales_margins(
        self,
        info: Info,
        first_day: From,
        last_day: To,
        location_ids: LocationIds = None,
        by: MarginDimension = MarginDimension.PRODUCT,
        first: int = 100,
    ) -> MarginsResult:
        return await _answer(
            info,
            lambda p: sales.margins(
                p, _locations(location_ids), first_day, last_day, by.value, first
            ),
            MarginReport.from_domain,
        )

    @strawberry.field(description="Inventory turnover, days on hand and GMROI.")
    async def inventory_turnover(
        self, info: Info, first_day: From, last_day: To, location_ids: LocationIds = None
    ) -> TurnoverResult:
        return await _answer(
            info,
            lambda p: sales.inventory_turnover(p, _locations(location_ids), first_day, last_day),
            TurnoverReport.from_domain,
        )

    @strawberry.field(description="Sell-through of the batches received in the period.")
    async def sell_through(
        self,
        info: Info,
        first_day: From,
        last_day: To,
        location_ids: LocationIds = None,
        first: int = 100,
    ) -> SellThroughResult:
        return await _answer(
            info,
            lambda p: sales.sell_through(p, _locations(location_ids), first_day, last_day, first),
            SellThroughReport.from_domain,
        )

    @strawberry.field(description="Loss at cost against cost of goods sold and net revenue.")
    async def shrinkage_rate(
        self, info: Info, first_day: From, last_day: To, location_ids: LocationIds = None
    ) -> ShrinkageRateResult:
        return await _answer(
            info,
            lambda p: sales.shrinkage_rate(p, _locations(location_ids), first_day, last_day),
            ShrinkageRateReport.from_domain,
        )

    @strawberry.field(description="On-hand value by age since received, and dead stock.")
    async def stock_aging(
        self,
        info: Info,
        location_ids: LocationIds = None,
        dead_after_days: int = 60,
        first: int = 100,
    ) -> StockAgingResult:
        return await _answer(
            info,
            lambda p: stock.stock_aging(p, _locations(location_ids), dead_after_days, first),
            StockAgingReport.from_domain,
        )

    @strawberry.field(description="On-hand value expiring within the days given.")
    async def expiring_stock(
        self,
        info: Info,
        location_ids: LocationIds = None,
        within_days: int = 30,
        first: int = 100,
    ) -> ExpiringStockResult:
        return await _answer(
            info,
            lambda p: stock.expiring_stock(p, _locations(location_ids), within_days, first),
            ExpiringStockReport.from_domain,
        )

    @strawberry.field(
        description="A product's stock at every licence you hold, and where it may move."
    )
    async def stock_across_locations(
        self, info: Info, product_id: strawberry.ID, location_ids: LocationIds = None
    ) -> StockAcrossResult:
        return await _answer(
            info,
            lambda p: stock.stock_across_locations(
                p, parse_id(product_id, "product"), _locations(location_ids)
            ),
            StockAcrossLocations.from_domain,
        )
