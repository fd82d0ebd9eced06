"""GraphQL types of count plans: classes, frequencies and their sources, quiet hours, the due
list and the accuracy history.

Blind counts: nothing here carries a booked quantity. The due list names packages and when they
are due, never how much the books hold, and a product's value on hand is given only as its share
of the location's value, so a counter reading the plan during a blind count learns no expected
quantity from it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from api.enums import ZoneKind
from domain.counts import accuracy, plan_queries
from domain.counts.abc import AbcClass
from domain.counts.plan_rules import Source

strawberry.enum(AbcClass, description="A: counted most often (most value or most sales); C: least.")
strawberry.enum(
    Source,
    name="CountPlanSource",
    description="Where a count frequency comes from: the default, the location's policy, or the"
    " state's minimum (which overrides a laxer plan).",
)
strawberry.enum(accuracy.AccuracyPeriod, name="AccuracyPeriod")


@strawberry.type(description="How often one class of products, or the vault zones, is counted.")
class CountFrequency:
    subject: str = strawberry.field(description="A, B, C or vault.")
    every_days: int
    source: Source
    planned_days: int = strawberry.field(
        description="The default's or the location's number, before the state's minimum."
    )
    citation: str | None = strawberry.field(description="state: the rule it comes from.")


@strawberry.type(description="The state's count minimum, from its rulebook plugin.")
class StateCountMinimum:
    state: str
    full_count_every_days: int | None
    full_count_source: str | None
    cycle_count_every_days: int | None
    cycle_count_source: str | None


@strawberry.type
class ProductCountClass:
    product_id: strawberry.ID
    sku: str
    name: str
    unit: str
    abc_class: AbcClass
    by_value: AbcClass
    by_velocity: AbcClass
    value_share: Decimal = strawberry.field(
        description="The product's share of the location's cost value on hand (0 to 1)."
    )
    velocity_share: Decimal = strawberry.field(
        description="Its share of the units sold in the window, among products of its unit."
    )
    units_sold: Decimal = strawberry.field(description="In the window, net of returns.")


@strawberry.type(description="A quiet hour of the week (location time) to count in.")
class QuietHour:
    weekday: int = strawberry.field(description="1 = Monday ... 7 = Sunday.")
    day_name: str
    hour: int = strawberry.field(description="0 to 23, local time: the hour starting then.")
    sales_per_week: Decimal


@strawberry.type
class ClassSize:
    abc_class: AbcClass
    products: int


@strawberry.type(description="A location's count plan.")
class CountPlan:
    location_id: strawberry.ID
    timezone: str
    abc_window_days: int
    class_a_share: Decimal
    class_b_share: Decimal
    frequencies: list[CountFrequency]
    state_minimum: StateCountMinimum | None
    last_approved_count_at: datetime | None
    cycle_count_due_at: datetime | None = strawberry.field(
        description="When the state's cycle-count minimum needs the next approved count."
    )
    classified_at: datetime = strawberry.field(
        description="When the classes were computed (they are kept for up to 10 minutes)."
    )
    class_sizes: list[ClassSize]
    products: list[ProductCountClass] = strawberry.field(
        description="Every product on hand or sold in the window, A first."
    )
    quiet_hours: list[QuietHour] = strawberry.field(
        description="Each trading day's quietest trading hour, quietest first."
    )

    @classmethod
    def from_domain(cls, view: plan_queries.CountPlanView) -> CountPlan:
        basis = view.basis
        m = basis.minimum
        order = {AbcClass.A: 0, AbcClass.B: 1, AbcClass.C: 2}
        products = sorted(
            view.products,
            key=lambda p: (order[p.abc_class], -basis.classes[p.product_id].value_share, p.sku),
        )
        return cls(
            location_id=strawberry.ID(str(basis.location_id)),
            timezone=basis.timezone,
            abc_window_days=basis.policy.abc_window_days,
            class_a_share=basis.policy.class_a_share,
            class_b_share=basis.policy.class_b_share,
            frequencies=[
                CountFrequency(
                    subject=f.subject,
                    every_days=f.every_days,
                    source=f.source,
                    planned_days=f.planned_days,
                    citation=f.citation,
                )
                for f in basis.frequencies
            ],
            state_minimum=None
            if m is None
            else StateCountMinimum(
                state=m.state,
                full_count_every_days=m.full_count_every_days,
                full_count_source=m.full_count_source,
                cycle_count_every_days=m.cycle_count_every_days,
                cycle_count_source=m.cycle_count_source,
            ),
            last_approved_count_at=basis.last_approved_count_at,
            cycle_count_due_at=basis.cycle_count_due_at,
            classified_at=basis.classified_at,
            class_sizes=[ClassSize(abc_class=c, products=n) for c, n in view.class_sizes.items()],
            products=[
                ProductCountClass(
                    product_id=strawberry.ID(str(p.product_id)),
                    sku=p.sku,
                    name=p.name,
                    unit=p.unit,
                    abc_class=p.abc_class,
                    by_value=p.by_value,
                    by_velocity=p.by_velocity,
                    value_share=_share(basis.classes[p.product_id].value_share),
                    velocity_share=_share(basis.classes[p.product_id].velocity_share),
                    units_sold=p.units_sold,
                )
                for p in products
            ],
            quiet_hours=[
                QuietHour(
                    weekday=s.weekday,
                    day_name=s.day_name,
                    hour=s.hour,
                    sales_per_week=s.sales_per_week,
                )
                for s in view.quiet_hours
            ],
        )


def _share(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"))


@strawberry.type(description="Packages of one class in one zone: how many are due or overdue.")
class CountDueGroup:
    zone_id: strawberry.ID
    zone_name: str
    zone_kind: ZoneKind
    abc_class: AbcClass
    every_days: int
    packages: int
    due: int
    overdue: int
    never_counted: int
    oldest_last_counted_at: datetime | None


@strawberry.type(description="A package to count (no booked quantity: counts are blind).")
class CountDuePackage:
    package_id: strawberry.ID
    tag: str
    product_id: strawberry.ID
    zone_id: strawberry.ID
    zone_name: str
    abc_class: AbcClass
    every_days: int
    last_counted_at: datetime | None
    due_at: datetime
    overdue: bool


@strawberry.type
class CountsDue:
    as_of: datetime
    within_days: int
    cycle_count_due_at: datetime | None
    groups: list[CountDueGroup]
    packages: list[CountDuePackage] = strawberry.field(
        description="Due and overdue packages, most overdue first (one row per zone held)."
    )
    has_more: bool
    next_offset: int | None

    @classmethod
    def from_domain(cls, due: plan_queries.CountsDue, offset: int) -> CountsDue:
        return cls(
            as_of=due.basis.now,
            within_days=due.within.days,
            cycle_count_due_at=due.basis.cycle_count_due_at,
            groups=[
                CountDueGroup(
                    zone_id=strawberry.ID(str(g.zone_id)),
                    zone_name=g.zone_name,
                    zone_kind=ZoneKind(g.zone_kind),
                    abc_class=g.abc_class,
                    every_days=g.every_days,
                    packages=g.packages,
                    due=g.due,
                    overdue=g.overdue,
                    never_counted=g.never_counted,
                    oldest_last_counted_at=g.oldest_last_counted_at,
                )
                for g in due.groups
            ],
            packages=[
                CountDuePackage(
                    package_id=strawberry.ID(str(p.package_id)),
                    tag=p.tag,
                    product_id=strawberry.ID(str(p.product_id)),
                    zone_id=strawberry.ID(str(p.zone_id)),
                    zone_name=p.zone_name,
                    abc_class=p.abc_class,
                    every_days=p.every_days,
                    last_counted_at=p.last_counted_at,
                    due_at=p.due_at,
                    overdue=p.overdue,
                )
                for p in due.packages
            ],
            has_more=due.has_more,
            next_offset=offset + len(due.packages) if due.has_more else None,
        )


@strawberry.type(description="Packages counted by one zone or counter, and how many exactly.")
class AccuracyTally:
    id: strawberry.ID
    name: str
    counted: int
    exact: int
    share: Decimal | None

    @classmethod
    def from_domain(cls, t: accuracy.AccuracyTally) -> AccuracyTally:
        return cls(
            id=strawberry.ID(str(t.key_id)),
            name=t.name,
            counted=t.counted,
            exact=t.exact,
            share=t.share,
        )


@strawberry.type(description="One week or month of approved counts.")
class CountAccuracy:
    starts_on: date
    counted: int
    exact: int
    share: Decimal | None = strawberry.field(
        description="Share of packages counted without variance (0 to 1)."
    )
    by_zone: list[AccuracyTally]
    by_counter: list[AccuracyTally]

    @classmethod
    def from_domain(cls, row: accuracy.AccuracyPeriodRow) -> CountAccuracy:
        return cls(
            starts_on=row.starts_on,
            counted=row.counted,
            exact=row.exact,
            share=row.share,
            by_zone=[AccuracyTally.from_domain(t) for t in row.by_zone],
            by_counter=[AccuracyTally.from_domain(t) for t in row.by_counter],
        )
