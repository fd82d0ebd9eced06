"""Reorder suggestion types: orders per vendor and day, their lines, and each line's reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from api.enums import Category, Unit
from domain.ordering import reorder, suggestions

strawberry.enum(
    reorder.Bound, name="ReorderBound", description="What decided a suggested quantity."
)


@strawberry.type(description="Why a quantity is suggested: the numbers it came from.")
class ReorderExplanation:
    demand_per_day: Decimal = strawberry.field(
        description="Expected over the days the order covers, weekday-adjusted."
    )
    weekday_factor: Decimal = strawberry.field(description="Those days against an average day.")
    days_observed: int = strawberry.field(description="Days the demand was learned from.")
    stockout_days: int = strawberry.field(
        description="Days left out because the floor was empty or ran out (censored demand)."
    )
    lead_time_days: Decimal = strawberry.field(
        description="The vendor's lead time plus the days until its next order day."
    )
    lead_time_spread_days: Decimal
    lead_time_learned: bool = strawberry.field(
        description="True when learned from receiving history, false for a default."
    )
    review_days: int = strawberry.field(description="Until the next order could be placed.")
    service_level: Decimal
    safety_stock: Decimal
    reorder_point: Decimal
    order_up_to: Decimal
    on_hand: Decimal
    on_order: Decimal
    reserved: Decimal
    expiring_soon: Decimal = strawberry.field(
        description="On hand that will pass its date before it sells (not counted as stock)."
    )
    position: Decimal = strawberry.field(
        description="On hand − reserved − expiring soon + on order."
    )
    sellable_days: int | None = strawberry.field(
        description="Days a delivery has had before its date (median of recent deliveries)."
    )
    expiry_cap: Decimal | None = strawberry.field(
        description="The most that would sell before a delivery's date."
    )
    bound: reorder.Bound

    @classmethod
    def from_domain(cls, e: suggestions.Explanation) -> ReorderExplanation:
        return cls(
            demand_per_day=e.demand_per_day,
            weekday_factor=e.weekday_factor,
            days_observed=e.days_observed,
            stockout_days=e.stockout_days,
            lead_time_days=e.lead_time_days,
            lead_time_spread_days=e.lead_time_spread_days,
            lead_time_learned=e.lead_time_learned,
            review_days=e.review_days,
            service_level=e.service_level,
            safety_stock=e.safety_stock,
            reorder_point=e.reorder_point,
            order_up_to=e.order_up_to,
            on_hand=e.on_hand,
            on_order=e.on_order,
            reserved=e.reserved,
            expiring_soon=e.expiring_soon,
            position=e.position,
            sellable_days=e.sellable_days,
            expiry_cap=e.expiry_cap,
            bound=e.bound,
        )


@strawberry.type
class ReorderLine:
    product_id: strawberry.ID
    sku: str
    name: str
    category: Category
    unit: Unit
    quantity: Decimal
    case_pack: Decimal
    cases: int
    minimum_order: Decimal
    unit_cost: Decimal | None
    value: Decimal | None
    why: ReorderExplanation

    @classmethod
    def from_domain(cls, s: suggestions.Suggestion) -> ReorderLine:
        return cls(
            product_id=strawberry.ID(str(s.product_id)),
            sku=s.sku,
            name=s.name,
            category=s.category,
            unit=Unit(s.unit),
            quantity=s.quantity,
            case_pack=s.case_pack,
            cases=s.cases,
            minimum_order=s.minimum_order,
            unit_cost=s.unit_cost,
            value=s.value,
            why=ReorderExplanation.from_domain(s.why),
        )


@strawberry.type(description="What to order from one vendor on one day, at one location.")
class VendorOrderSuggestion:
    location_id: strawberry.ID
    vendor_id: strawberry.ID | None = strawberry.field(
        description="Null for products no vendor carries yet."
    )
    vendor_name: str | None
    order_on: date
    value: Decimal
    lines: list[ReorderLine]

    @classmethod
    def from_domain(cls, o: suggestions.VendorOrder) -> VendorOrderSuggestion:
        return cls(
            location_id=strawberry.ID(str(o.location_id)),
            vendor_id=strawberry.ID(str(o.vendor_id)) if o.vendor_id is not None else None,
            vendor_name=o.vendor_name,
            order_on=o.order_on,
            value=o.value,
            lines=[ReorderLine.from_domain(line) for line in o.lines],
        )


@strawberry.type(description="A product not suggested, and why (recalled, failed_lab...).")
class ExcludedProduct:
    location_id: strawberry.ID
    product_id: strawberry.ID
    sku: str
    name: str
    reason: str

    @classmethod
    def from_domain(cls, e: suggestions.Excluded) -> ExcludedProduct:
        return cls(
            location_id=strawberry.ID(str(e.location_id)),
            product_id=strawberry.ID(str(e.product_id)),
            sku=e.sku,
            name=e.name,
            reason=e.reason,
        )


@strawberry.type
class ReorderSuggestions:
    orders: list[VendorOrderSuggestion]
    excluded: list[ExcludedProduct]

    @classmethod
    def from_domain(cls, r: suggestions.ReorderSuggestions) -> ReorderSuggestions:
        return cls(
            orders=[VendorOrderSuggestion.from_domain(o) for o in r.orders],
            excluded=[ExcludedProduct.from_domain(e) for e in r.excluded],
        )
