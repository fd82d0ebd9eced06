"""Shrinkage report types: amounts, lines per dimension, weekly trend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from domain.shrinkage import report


@strawberry.type(description="Units (items sold by the each), grams and cost value.")
class ShrinkageAmount:
    units: Decimal
    grams: Decimal
    value: Decimal
    movements: int

    @classmethod
    def from_domain(cls, a: report.Amount) -> ShrinkageAmount:
        return cls(units=a.units, grams=a.grams, value=a.value, movements=a.movements)


@strawberry.type(description="Loss for one cause, zone, category, product or person.")
class ShrinkageLine:
    key: str = strawberry.field(description="The reason, or the zone, product or user id.")
    label: str
    amount: ShrinkageAmount
    known: bool | None = strawberry.field(
        description="By cause: true for known loss (samples, lab, packaging, waste)."
    )

    @classmethod
    def from_domain(cls, line: report.ShrinkageLine) -> ShrinkageLine:
        return cls(
            key=line.key,
            label=line.label,
            amount=ShrinkageAmount.from_domain(line.amount),
            known=line.known,
        )


@strawberry.type
class ShrinkageWeek:
    week: date = strawberry.field(description="The Monday (local) the week starts on.")
    known_value: Decimal
    unknown_value: Decimal
    sales_value: Decimal
    rate: Decimal | None = strawberry.field(description="Loss value / cost of goods sold.")

    @classmethod
    def from_domain(cls, w: report.WeekTrend) -> ShrinkageWeek:
        return cls(
            week=w.week,
            known_value=w.known_value,
            unknown_value=w.unknown_value,
            sales_value=w.sales_value,
            rate=w.rate,
        )


@strawberry.type(description="Shrinkage over a period at one or several locations.")
class ShrinkageReport:
    location_ids: list[strawberry.ID]
    first: date = strawberry.field(name="from")
    last: date = strawberry.field(name="to")
    known: ShrinkageAmount
    unknown: ShrinkageAmount = strawberry.field(
        description="Count shortfalls, theft, entry errors and unexplained write-offs."
    )
    sales: ShrinkageAmount = strawberry.field(description="Cost of goods sold, net of returns.")
    rate_of_sales: Decimal | None
    known_rate: Decimal | None
    unknown_rate: Decimal | None
    by_cause: list[ShrinkageLine]
    by_zone: list[ShrinkageLine]
    by_category: list[ShrinkageLine]
    by_product: list[ShrinkageLine]
    by_person: list[ShrinkageLine]
    weekly: list[ShrinkageWeek]

    @classmethod
    def from_domain(cls, r: report.ShrinkageReport) -> ShrinkageReport:
        def lines(values: tuple[report.ShrinkageLine, ...]) -> list[ShrinkageLine]:
            return [ShrinkageLine.from_domain(v) for v in values]

        return cls(
            location_ids=[strawberry.ID(str(i)) for i in r.location_ids],
            first=r.first,
            last=r.last,
            known=ShrinkageAmount.from_domain(r.known),
            unknown=ShrinkageAmount.from_domain(r.unknown),
            sales=ShrinkageAmount.from_domain(r.sales),
            rate_of_sales=r.rate_of_sales,
            known_rate=r.known_rate,
            unknown_rate=r.unknown_rate,
            by_cause=lines(r.by_cause),
            by_zone=lines(r.by_zone),
            by_category=lines(r.by_category),
            by_product=lines(r.by_product),
            by_person=lines(r.by_person),
            weekly=[ShrinkageWeek.from_domain(w) for w in r.weekly],
        )
