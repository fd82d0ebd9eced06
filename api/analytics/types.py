"""Analytics types: margins, turnover and GMROI, sell-through, aging, expiry, shrink, stock
across licences (each built from its domain dataclass)."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import strawberry

from domain.analytics import sales, stock


@strawberry.enum(description="What margins are grouped by.")
class MarginDimension(enum.Enum):
    PRODUCT = "product"
    CATEGORY = "category"
    BRAND = "brand"
    VENDOR = "vendor"


def _ids(values: tuple[int, ...]) -> list[strawberry.ID]:
    return [strawberry.ID(str(v)) for v in values]


@strawberry.type(
    description="Net revenue = gross − discounts; margin = net revenue − landed cost of the"
    " units sold; voids and returns taken off the day they happen."
)
class Margin:
    units_sold: Decimal
    gross_sales: Decimal
    discounts: Decimal
    net_revenue: Decimal
    cost_of_goods_sold: Decimal
    gross_margin: Decimal
    margin_rate: Decimal | None = strawberry.field(description="Gross margin / net revenue.")

    @classmethod
    def from_domain(cls, m: sales.Margin) -> Margin:
        return cls(
            units_sold=m.units_sold,
            gross_sales=m.gross_sales,
            discounts=m.discounts,
            net_revenue=m.net_revenue,
            cost_of_goods_sold=m.cost_of_goods_sold,
            gross_margin=m.gross_margin,
            margin_rate=m.margin_rate,
        )


@strawberry.type
class MarginLine:
    key: str = strawberry.field(
        description="The product id, category, brand or vendor (shipper licence, else name)."
    )
    label: str
    margin: Margin


@strawberry.type(description="Margins over a period at one or several locations.")
class MarginReport:
    location_ids: list[strawberry.ID]
    first: date = strawberry.field(name="from")
    last: date = strawberry.field(name="to")
    by: MarginDimension
    total: Margin
    lines: list[MarginLine] = strawberry.field(description="Largest net revenue first.")
    line_count: int = strawberry.field(description="Lines in all, before `first` cut them.")

    @classmethod
    def from_domain(cls, r: sales.MarginReport) -> MarginReport:
        return cls(
            location_ids=_ids(r.location_ids),
            first=r.first,
            last=r.last,
            by=MarginDimension(r.by),
            total=Margin.from_domain(r.total),
            lines=[
                MarginLine(key=x.key, label=x.label, margin=Margin.from_domain(x.margin))
                for x in r.lines
            ],
            line_count=r.line_count,
        )


@strawberry.type(
    description="Average inventory = mean daily closing stock at landed cost; turnover ="
    " cost of goods sold / average inventory; days on hand = average inventory / cost of goods"
    " sold per day; GMROI = gross margin / average inventory."
)
class Turnover:
    net_revenue: Decimal
    cost_of_goods_sold: Decimal
    gross_margin: Decimal
    average_inventory_value: Decimal
    turnover: Decimal | None
    days_on_hand: Decimal | None
    gmroi: Decimal | None

    @classmethod
    def from_domain(cls, t: sales.Turnover) -> Turnover:
        return cls(
            net_revenue=t.net_revenue,
            cost_of_goods_sold=t.cost_of_goods_sold,
            gross_margin=t.gross_margin,
            average_inventory_value=t.average_inventory_value,
            turnover=t.turnover,
            days_on_hand=t.days_on_hand,
            gmroi=t.gmroi,
        )


@strawberry.type
class TurnoverLine:
    key: str = strawberry.field(description="A location id, or a category.")
    figures: Turnover


@strawberry.type(description="Turnover, days on hand and GMROI over a period.")
class TurnoverReport:
    location_ids: list[strawberry.ID]
    first: date = strawberry.field(name="from")
    last: date = strawberry.field(name="to")
    days: int = strawberry.field(description="Days averaged over (the period up to today).")
    total: Turnover
    by_location: list[TurnoverLine]
    by_category: list[TurnoverLine]

    @classmethod
    def from_domain(cls, r: sales.TurnoverReport) -> TurnoverReport:
        def lines(values: tuple[sales.TurnoverLine, ...]) -> list[TurnoverLine]:
            return [
                TurnoverLine(key=v.key, figures=Turnover.from_domain(v.figures)) for v in values
            ]

        return cls(
            location_ids=_ids(r.location_ids),
            first=r.first,
            last=r.last,
            days=r.days,
            total=Turnover.from_domain(r.total),
            by_location=lines(r.by_location),
            by_category=lines(r.by_category),
        )


@strawberry.type(description="A batch received in the period: sold / received over it.")
class BatchSellThrough:
    batch_id: strawberry.ID
    batch_number: str
    product: str
    received: Decimal
    sold: Decimal
    sell_through: Decimal | None


@strawberry.type
class SellThroughReport:
    lines: list[BatchSellThrough] = strawberry.field(description="Slowest sellers first.")

    @classmethod
    def from_domain(cls, found: tuple[sales.BatchSellThrough, ...]) -> SellThroughReport:
        return cls(
            lines=[
                BatchSellThrough(
                    batch_id=strawberry.ID(str(x.batch_id)),
                    batch_number=x.batch_number,
                    product=x.product,
                    received=x.received,
                    sold=x.sold,
                    sell_through=x.sell_through,
                )
                for x in found
            ]
        )


@strawberry.type(description="Loss at cost against cost of goods sold and net revenue.")
class ShrinkLine:
    location_id: strawberry.ID | None = strawberry.field(description="Null: all asked.")
    loss_value: Decimal
    known_loss_value: Decimal
    unknown_loss_value: Decimal
    cost_of_goods_sold: Decimal
    net_revenue: Decimal
    rate_of_cost_of_sales: Decimal | None
    rate_of_revenue: Decimal | None


@strawberry.type
class ShrinkageRateReport:
    lines: list[ShrinkLine] = strawberry.field(description="Per location, then all of them.")

    @classmethod
    def from_domain(cls, found: tuple[sales.ShrinkLine, ...]) -> ShrinkageRateReport:
        return cls(
            lines=[
                ShrinkLine(
                    location_id=None
                    if x.location_id is None
                    else strawberry.ID(str(x.location_id)),
                    loss_value=x.loss_value,
                    known_loss_value=x.known_loss_value,
                    unknown_loss_value=x.unknown_loss_value,
                    cost_of_goods_sold=x.cost_of_goods_sold,
                    net_revenue=x.net_revenue,
                    rate_of_cost_of_sales=x.rate_of_cost_of_sales,
                    rate_of_revenue=x.rate_of_revenue,
                )
                for x in found
            ]
        )


@strawberry.type
class AgingBucket:
    label: str = strawberry.field(description="Days since received: 0-30, 31-60, 61-90, 90+.")
    packages: int
    value: Decimal


@strawberry.type(description="A product on hand that has not sold for the days asked.")
class DeadStock:
    location_id: strawberry.ID
    product_id: strawberry.ID
    product: str
    quantity: Decimal
    value: Decimal
    oldest_received: date | None


@strawberry.type(description="On-hand value by age, and dead stock, now.")
class StockAgingReport:
    location_ids: list[strawberry.ID]
    buckets: list[AgingBucket]
    dead_after_days: int
    dead_value: Decimal
    dead: list[DeadStock] = strawberry.field(description="Largest value first.")

    @classmethod
    def from_domain(cls, r: stock.AgingReport) -> StockAgingReport:
        return cls(
            location_ids=_ids(r.location_ids),
            buckets=[
                AgingBucket(label=b.label, packages=b.packages, value=b.value) for b in r.buckets
            ],
            dead_after_days=r.dead_after_days,
            dead_value=r.dead_value,
            dead=[
                DeadStock(
                    location_id=strawberry.ID(str(d.location_id)),
                    product_id=strawberry.ID(str(d.product_id)),
                    product=d.product,
                    quantity=d.quantity,
                    value=d.value,
                    oldest_received=d.oldest_received,
                )
                for d in r.dead
            ],
        )


@strawberry.type
class ExpiringLine:
    location_id: strawberry.ID
    batch_id: strawberry.ID
    batch_number: str
    product: str
    expires: date = strawberry.field(description="The batch's expiry or sell-by, earlier one.")
    quantity: Decimal
    value: Decimal


@strawberry.type(description="On-hand value expiring within the days asked, or expired.")
class ExpiringStockReport:
    location_ids: list[strawberry.ID]
    within_days: int
    expired_value: Decimal
    expiring_value: Decimal
    lines: list[ExpiringLine] = strawberry.field(description="Soonest first.")

    @classmethod
    def from_domain(cls, r: stock.ExpiringReport) -> ExpiringStockReport:
        return cls(
            location_ids=_ids(r.location_ids),
            within_days=r.within_days,
            expired_value=r.expired_value,
            expiring_value=r.expiring_value,
            lines=[
                ExpiringLine(
                    location_id=strawberry.ID(str(x.location_id)),
                    batch_id=strawberry.ID(str(x.batch_id)),
                    batch_number=x.batch_number,
                    product=x.product,
                    expires=x.expires,
                    quantity=x.quantity,
                    value=x.value,
                )
                for x in r.lines
            ],
        )


@strawberry.type
class LocationStock:
    location_id: strawberry.ID
    name: str
    license_number: str
    state: str
    quantity: Decimal
    floor_quantity: Decimal
    value: Decimal


@strawberry.type(description="Stock may move: same operator, same state, from held stock.")
class TransferRoute:
    from_location_id: strawberry.ID
    to_location_id: strawberry.ID


@strawberry.type(description="One product's stock at every licence asked.")
class StockAcrossLocations:
    product_id: strawberry.ID
    product: str
    locations: list[LocationStock]
    routes: list[TransferRoute]

    @classmethod
    def from_domain(cls, r: stock.StockAcross) -> StockAcrossLocations:
        return cls(
            product_id=strawberry.ID(str(r.product_id)),
            product=r.product,
            locations=[
                LocationStock(
                    location_id=strawberry.ID(str(x.location_id)),
                    name=x.name,
                    license_number=x.license_number,
                    state=x.state,
                    quantity=x.quantity,
                    floor_quantity=x.floor_quantity,
                    value=x.value,
                )
                for x in r.locations
            ],
            routes=[
                TransferRoute(
                    from_location_id=strawberry.ID(str(x.from_location_id)),
                    to_location_id=strawberry.ID(str(x.to_location_id)),
                )
                for x in r.routes
            ],
        )
