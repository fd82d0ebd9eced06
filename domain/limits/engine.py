"""Purchase-limit engine: may this sale be rung up, and if not, which limit does it break?

A budtender's sale must never sell what the law forbids. The sales service calls
:func:`evaluate` with the state's :class:`~domain.limits.model.LimitRuleSet`, the customer,
what the customer already bought in the current window and the new lines; the answer names
every exceeded bucket and by how much, or says the sale cannot be evaluated because a product
lacks a number the state's rule needs (the sale is then refused: a missing number is never
counted as zero). :func:`window_start` tells the service which earlier purchases are "in the
window".

Pure functions over frozen data: no database, no clock, no I/O. Arithmetic is exact: amounts
are ``Decimal`` and equivalency sums use ``Fraction`` (never ``float``), and only the figures
shown to people are rounded.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, Inexact, localcontext
from fractions import Fraction
from types import MappingProxyType
from zoneinfo import ZoneInfo

from domain.catalog.model import Category
from domain.limits.model import (
    BUCKETS,
    BucketUnit,
    Customer,
    LimitRuleSet,
    Line,
    Measure,
    Variant,
    Window,
    WindowKind,
    variant_for,
)
from domain.quantities import Unit

# Which Line field each measure needs for a line sold by the "each".
_PER_EACH_FIELD: Mapping[Measure, str] = MappingProxyType(
    {
        Measure.CANNABIS_WEIGHT_G: "unit_weight_grams",
        Measure.THC_MG: "thc_mg_per_unit",
        Measure.CONTAINED_CONCENTRATE_G: "concentrate_grams_per_unit",
        Measure.NET_WEIGHT_G: "net_weight_grams",
    }
)
# Grams for weights, tenths of a milligram for THC.
_PLACES: Mapping[BucketUnit, int] = MappingProxyType(
    {BucketUnit.GRAMS: 3, BucketUnit.MILLIGRAMS: 1}
)


@dataclass(frozen=True)
class MissingField:
    """Why one line cannot be counted: ``field`` of the product is needed for ``bucket``.

    ``line`` is ``"new[i]"`` or ``"prior[i]"`` once :func:`evaluate` has placed it.
    """

    field: str
    category: Category
    bucket: str
    reason: str
    line: str = ""


@dataclass(frozen=True)
class CannotEvaluate:
    """The typed "we do not know" answer of :func:`counts_as`."""

    missing: tuple[MissingField, ...]


def _line_grams(line: Line) -> Decimal | None:
    """The line's quantity in grams when it is sold by weight; None when sold by the each."""
    if line.unit is Unit.GRAMS:
        return line.quantity
    if line.unit is Unit.MILLIGRAMS:
        return line.quantity / 1000
    return None


def _measure(line: Line, measure: Measure) -> Decimal | None:
    """``measure`` of ``line``, or None when the product value it needs is missing."""
    grams = _line_grams(line)
    if measure in (Measure.CANNABIS_WEIGHT_G, Measure.NET_WEIGHT_G) and grams is not None:
        # Sold by weight: the weight sold is both the cannabis and the net weight.
        return grams
    per_unit: Decimal | None = getattr(line, _PER_EACH_FIELD[measure])
    if per_unit is None:
        return None
    # By the each: quantity × per-each value. By weight (THC, contained concentrate): the
    # catalogue states these per gram, as it does for thc_mg_per_unit.
    return (line.quantity if grams is None else grams) * per_unit


def counts_as(line: Line, ruleset: LimitRuleSet) -> Mapping[str, Decimal] | CannotEvaluate:
    """What one line counts as under ``ruleset``: amount per bucket, or why that is unknown.

    Exempt categories count as nothing (an empty mapping). A category the rule set does not
    mention cannot be evaluated (``field="category"``): an operator override must say what it
    counts as before it can be sold.
    """
    if line.category in ruleset.exempt:
        return MappingProxyType({})
    rules = ruleset.counting.get(line.category)
    if rules is None:
        reason = (
            f"{ruleset.state} rules do not say what {line.category} counts as; "
            "an operator override must map it before it can be sold"
        )
        return CannotEvaluate((MissingField("category", line.category, "", reason),))
    amounts: dict[str, Decimal] = {}
    missing: list[MissingField] = []
    # Products of three-place quantities and catalogue values are exact at this precision;
    # the trap turns any silent rounding into an error instead of a wrong limit.
    with localcontext() as ctx:
        ctx.prec = 60
        ctx.traps[Inexact] = True
        for rule in rules:
            amount = _measure(line, rule.measure)
            if amount is None and rule.none_is_zero:
                amount = Decimal(0)
            if amount is None:
                name = _PER_EACH_FIELD[rule.measure]
                missing.append(
                    MissingField(
                        name,
                        line.category,
                        rule.bucket,
                        f"{line.category} counts toward {BUCKETS[rule.bucket].label} in "
                        f"{ruleset.state}, which needs the product's {name}",
                    )
                )
                continue
            amounts[rule.bucket] = amounts.get(rule.bucket, Decimal(0)) + amount
    if missing:
        return CannotEvaluate(tuple(missing))
    return MappingProxyType(amounts)


def window_start(window: Window, store_timezone: str, at: datetime) -> datetime | None:
    """Start of the window that contains ``at``, as an aware datetime in the store's zone.

    Earlier purchases at or after this instant are "already purchased in the window". None
    for a transaction window: no earlier purchase counts. Days begin at the store's local
    midnight (DST included: a day may last 23 or 25 hours); where a zone skips midnight the
    day begins at the first local instant that exists. ``rolling_days`` of N is the N local
    days ending with the day of ``at``. Raises ``ValueError`` for a naive ``at``, and
    ``zoneinfo.ZoneInfoNotFoundError`` for an unknown zone.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    if window.kind is WindowKind.TRANSACTION:
        return None
    zone = ZoneInfo(store_timezone)
    first_day = at.astimezone(zone).date()
    if window.kind is WindowKind.ROLLING_DAYS:
        assert window.days is not None  # guaranteed by Window
        first_day -= timedelta(days=window.days - 1)
    # fold=0 reads a skipped midnight with the offset in force before the jump, which is
    # exactly the instant the local day began; normalising through UTC shows it as it is.
    midnight = datetime.combine(first_day, time(0), tzinfo=zone)
    return midnight.astimezone(ZoneInfo("UTC")).astimezone(zone)


class _Round(enum.Enum):
    HALF_UP = "half_up"
    DOWN = "down"
    UP = "up"


def _shown(value: Fraction, unit: BucketUnit, rounding: _Round) -> Decimal:
    """``value`` rounded for people: exact integer arithmetic, so no float and no drift."""
    places = _PLACES[unit]
    scaled = value * 10**places
    if rounding is _Round.DOWN:
        whole = scaled.numerator // scaled.denominator
    elif rounding is _Round.UP:
        whole = -(-scaled.numerator // scaled.denominator)
    else:
        whole = math.floor(scaled + Fraction(1, 2))
    return Decimal(whole).scaleb(-places)


@dataclass(frozen=True)
class BucketUsage:
    """One capped bucket after this sale. Shown figures are rounded for people: limit and
    remaining down, over_by up (so a real excess never shows as 0), the rest half-up; the
    decision itself is made on exact values."""

    bucket: str
    label: str
    unit: BucketUnit
    limit: Decimal
    already_purchased: Decimal
    this_sale: Decimal
    total: Decimal
    over_by: Decimal
    remaining: Decimal

    @property
    def exceeded(self) -> bool:
        return self.over_by > 0

    def describe(self) -> str:
        return (
            f"{self.label}: limit {self.limit}, already purchased {self.already_purchased}, "
            f"this sale {self.this_sale}, total {self.total}, over by {self.over_by}"
        )


class Status(enum.StrEnum):
    ALLOWED = "allowed"
    OVER_LIMIT = "over_limit"
    CANNOT_EVALUATE = "cannot_evaluate"


@dataclass(frozen=True)
class LimitResult:
    """The answer for one sale. ``allowed`` only when nothing is exceeded and every line could
    be counted. ``exceeded`` lists every bucket this sale takes over its limit; when some
    lines cannot be evaluated it still lists buckets the countable lines already exceed."""

    state: str
    variant: Variant
    allowed: bool
    status: Status
    usage: tuple[BucketUsage, ...]
    exceeded: tuple[BucketUsage, ...]
    cannot_evaluate: tuple[MissingField, ...]

    def reasons(self) -> tuple[str, ...]:
        """Plain sentences for the register screen and the refusal log."""
        over = (f"over limit: {usage.describe()}" for usage in self.exceeded)
        unknown = (f"cannot evaluate {m.line}: {m.reason}" for m in self.cannot_evaluate)
        return (*over, *unknown)


def _usage(
    bucket: str, limit: Fraction, prior: Fraction, this_sale: Fraction
) -> tuple[BucketUsage, bool]:
    unit = BUCKETS[bucket].unit
    total = prior + this_sale
    # A sale that adds nothing to a bucket is not refused because of it: after an operator
    # lowers a cap, a customer already over it may still buy what counts elsewhere.
    exceeded = total > limit and this_sale > 0
    usage = BucketUsage(
        bucket=bucket,
        label=BUCKETS[bucket].label,
        unit=unit,
        limit=_shown(limit, unit, _Round.DOWN),
        already_purchased=_shown(prior, unit, _Round.HALF_UP),
        this_sale=_shown(this_sale, unit, _Round.HALF_UP),
        total=_shown(total, unit, _Round.HALF_UP),
        over_by=_shown(max(total - limit, Fraction(0)), unit, _Round.UP),
        remaining=_shown(max(limit - total, Fraction(0)), unit, _Round.DOWN),
    )
    return usage, exceeded


def _totals(
    lines: Iterable[Line], ruleset: LimitRuleSet, where: str, missing: list[MissingField]
) -> dict[str, Fraction]:
    totals: dict[str, Fraction] = {}
    for index, line in enumerate(lines):
        counted = counts_as(line, ruleset)
        if isinstance(counted, CannotEvaluate):
            missing.extend(
                dataclasses.replace(m, line=f"{where}[{index}]") for m in counted.missing
            )
            continue
        for bucket, amount in counted.items():
            totals[bucket] = totals.get(bucket, Fraction(0)) + Fraction(amount)
    return totals


def evaluate(
    ruleset: LimitRuleSet,
    customer: Customer,
    prior_lines: Iterable[Line],
    new_lines: Iterable[Line],
) -> LimitResult:
    """Check ``new_lines`` against ``ruleset`` given ``prior_lines`` already bought in the window.

    ``prior_lines`` must be every line sold to this customer since :func:`window_start` under
    any variant (CA forbids stacking adult-use and medical limits); for a transaction window
    they are ignored. Raises ``ValueError`` if ``ruleset`` is not the variant for
    ``customer`` (a programming error, e.g. adult-use limits for a non-resident).
    """
    expected = variant_for(customer)
    if ruleset.variant is not expected:
        raise ValueError(f"{ruleset.state} {ruleset.variant} rules used for a {expected} customer")
    missing: list[MissingField] = []
    if ruleset.window.kind is WindowKind.TRANSACTION:
        prior_lines = ()
    prior = _totals(prior_lines, ruleset, "prior", missing)
    new = _totals(new_lines, ruleset, "new", missing)

    usage: list[BucketUsage] = []
    exceeded: list[BucketUsage] = []

    def check(bucket: str, limit: Fraction, before: Fraction, now: Fraction) -> None:
        row, over = _usage(bucket, limit, before, now)
        usage.append(row)
        if over:
            exceeded.append(row)

    zero = Fraction(0)
    for bucket, cap in ruleset.caps.items():
        check(bucket, Fraction(cap.limit), prior.get(bucket, zero), new.get(bucket, zero))
    for group in ruleset.combined:
        rates = {
            member: Fraction(group.reference) / Fraction(equivalent)
            for member, equivalent in group.equivalents.items()
        }
        before = sum((prior.get(m, zero) * rate for m, rate in rates.items()), zero)
        now = sum((new.get(m, zero) * rate for m, rate in rates.items()), zero)
        check(group.bucket, Fraction(group.limit), before, now)

    if missing:
        status = Status.CANNOT_EVALUATE
    elif exceeded:
        status = Status.OVER_LIMIT
    else:
        status = Status.ALLOWED
    return LimitResult(
        state=ruleset.state,
        variant=ruleset.variant,
        allowed=status is Status.ALLOWED,
        status=status,
        usage=tuple(usage),
        exceeded=tuple(exceeded),
        cannot_evaluate=tuple(missing),
    )


__all__ = [
    "BucketUsage",
    "CannotEvaluate",
    "LimitResult",
    "MissingField",
    "Status",
    "counts_as",
    "evaluate",
    "window_start",
]
