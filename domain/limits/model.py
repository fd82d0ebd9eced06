"""The shape of a purchase-limit rule set: buckets, caps, equivalences, windows, provenance.

Purchase limits change with every legislative session and differ by customer type, so no number
lives in code paths: a :class:`LimitRuleSet` is plain, frozen data that says which *buckets* a
state caps (flower grams, concentrate grams, THC milligrams...), how each product category
*counts as* amounts in those buckets, over which *window* purchases add up, and where every
number came from (source text and a confidence mark). An operator changes a number with
:func:`with_overrides`, which records their source next to the change.

Everything is ``Decimal`` (never ``float``): a limit that is off by a rounding error is a
compliance finding.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from domain.catalog.model import Category
from domain.quantities import Unit

# The brief's ounce. The avoirdupois ounce is exactly 28.349523125 g; 28.3495 g is 0.000023 g
# lower, so rounding this way can only make a cap stricter, never looser. States that state
# their own gram figure (CA's 28.5 g, IL's 30 g) use that figure instead.
OUNCE_G = Decimal("28.3495")


def ounces(amount: Decimal | int | str) -> Decimal:
    """``amount`` ounces in grams, exactly (``ounces("2.5") == Decimal("70.87375")``)."""
    return Decimal(amount) * OUNCE_G


class Mark(enum.StrEnum):
    """How sure we are of a number: the reference's marks plus an operator's own change."""

    CONFIRMED = "c"  # seen in the primary source (statute or regulation text)
    SECONDARY = "s"  # only in secondary sources (regulator FAQs, industry summaries)
    UNCONFIRMED = "u"  # our reasoned choice where the sources leave it open
    OPERATOR = "operator"  # changed by an operator; their source is recorded with it


class BucketUnit(enum.StrEnum):
    GRAMS = "g"
    MILLIGRAMS = "mg"


@dataclass(frozen=True)
class Bucket:
    name: str
    label: str
    unit: BucketUnit


FLOWER_G = "flower_g"
CONCENTRATE_G = "concentrate_g"
CONCENTRATE_THC_MG = "concentrate_thc_mg"
EDIBLE_THC_MG = "edible_thc_mg"
SOLID_EDIBLE_G = "solid_edible_g"
LIQUID_EDIBLE_G = "liquid_edible_g"
FLOWER_EQUIVALENT_G = "flower_equivalent_g"
CANNABIS_TOTAL_G = "cannabis_total_g"

BUCKETS: Mapping[str, Bucket] = MappingProxyType(
    {
        bucket.name: bucket
        for bucket in (
            Bucket(FLOWER_G, "flower (g)", BucketUnit.GRAMS),
            Bucket(CONCENTRATE_G, "concentrate (g)", BucketUnit.GRAMS),
            Bucket(CONCENTRATE_THC_MG, "THC in concentrate (mg)", BucketUnit.MILLIGRAMS),
            Bucket(EDIBLE_THC_MG, "THC in edibles (mg)", BucketUnit.MILLIGRAMS),
            Bucket(SOLID_EDIBLE_G, "solid edibles, net weight (g)", BucketUnit.GRAMS),
            Bucket(LIQUID_EDIBLE_G, "liquid products, net weight (g)", BucketUnit.GRAMS),
            # Combined buckets: only ever filled through a CombinedCap.
            Bucket(FLOWER_EQUIVALENT_G, "flower equivalent (g)", BucketUnit.GRAMS),
            Bucket(CANNABIS_TOTAL_G, "total cannabis (g)", BucketUnit.GRAMS),
        )
    }
)


def _require_bucket(name: str) -> Bucket:
    try:
        return BUCKETS[name]
    except KeyError:
        raise ValueError(f"unknown bucket {name!r}; known: {', '.join(BUCKETS)}") from None


def _require_amount(value: object, what: str, *, positive: bool = False) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        # bool/int/float are refused alike: a rule number is written as a Decimal string.
        raise TypeError(f"{what} must be a finite Decimal, not {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{what} must be {'greater than' if positive else 'at least'} zero")
    return value


class Measure(enum.StrEnum):
    """Which quantity of a sale line a bucket counts (see ``limits.counts_as``)."""

    CANNABIS_WEIGHT_G = "cannabis_weight_g"  # grams sold, or each × unit_weight_grams
    THC_MG = "thc_mg"  # quantity × thc_mg_per_unit (per each, or per gram when sold by weight)
    CONTAINED_CONCENTRATE_G = "contained_concentrate_g"  # quantity × concentrate_grams_per_unit
    NET_WEIGHT_G = "net_weight_g"  # product net weight: grams sold, or each × net_weight_grams

    @property
    def unit(self) -> BucketUnit:
        return BucketUnit.MILLIGRAMS if self is Measure.THC_MG else BucketUnit.GRAMS


@dataclass(frozen=True)
class Counts:
    """One way a category counts: ``measure`` of the line goes into ``bucket``.

    ``none_is_zero`` is for the one case where a missing value really means "none": an
    ordinary (not infused) pre-roll has no ``concentrate_grams_per_unit``. Everywhere else a
    missing value makes the line impossible to evaluate.
    """

    bucket: str
    measure: Measure
    none_is_zero: bool = False

    def __post_init__(self) -> None:
        bucket = _require_bucket(self.bucket)
        if bucket.unit is not self.measure.unit:
            raise ValueError(
                f"{self.measure} is in {self.measure.unit}, {bucket.name} in {bucket.unit}"
            )


class WindowKind(enum.StrEnum):
    TRANSACTION = "transaction"
    CALENDAR_DAY = "calendar_day"
    ROLLING_DAYS = "rolling_days"


@dataclass(frozen=True)
class Window:
    """Over which period purchases add up. ``days`` only for ``rolling_days``.

    ``rolling_days`` with ``days=N`` is the N local calendar days ending with today (so
    ``rolling_days(1)`` is the same as ``calendar_day``); see ``limits.window_start``.
    """

    kind: WindowKind
    days: int | None = None

    def __post_init__(self) -> None:
        if self.kind is WindowKind.ROLLING_DAYS:
            if isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1:
                raise ValueError("a rolling window needs days >= 1")
        elif self.days is not None:
            raise ValueError(f"a {self.kind} window takes no days")

    @classmethod
    def transaction(cls) -> Window:
        return cls(WindowKind.TRANSACTION)

    @classmethod
    def calendar_day(cls) -> Window:
        return cls(WindowKind.CALENDAR_DAY)

    @classmethod
    def rolling_days(cls, days: int) -> Window:
        return cls(WindowKind.ROLLING_DAYS, days)


@dataclass(frozen=True)
class Cap:
    """An independent limit on one bucket, with where the number came from."""

    limit: Decimal
    mark: Mark
    source: str

    def __post_init__(self) -> None:
        _require_amount(self.limit, "cap limit")


@dataclass(frozen=True)
class CombinedCap:
    """A limit on several buckets added up at fixed rates.

    ``equivalents[b]`` of bucket ``b`` count as ``reference`` units of the combined bucket.
    Colorado's "1 oz flower = 8 g concentrate = 800 mg THC" is ``reference=28.3495`` with
    ``{flower_g: 28.3495, concentrate_g: 8, edible_thc_mg: 800}`` and ``limit=28.3495``;
    Michigan's "2.5 oz of which..." total is ``reference=1`` with every member at 1 (a plain
    sum). Rates are stated the way the law states them, so an operator who changes "8 g"
    changes one number and the rate follows.
    """

    bucket: str
    limit: Decimal
    reference: Decimal
    equivalents: Mapping[str, Decimal]
    mark: Mark
    source: str

    def __post_init__(self) -> None:
        _require_bucket(self.bucket)
        _require_amount(self.limit, f"{self.bucket} limit")
        _require_amount(self.reference, f"{self.bucket} reference", positive=True)
        if not self.equivalents:
            raise ValueError(f"{self.bucket} combines no buckets")
        for member, amount in self.equivalents.items():
            _require_bucket(member)
            _require_amount(amount, f"{self.bucket} equivalent of {member}", positive=True)
        object.__setattr__(self, "equivalents", MappingProxyType(dict(self.equivalents)))


class Variant(enum.StrEnum):
    ADULT_USE = "adult_use"
    ADULT_USE_NON_RESIDENT = "adult_use_non_resident"
    MEDICAL = "medical"


class Programme(enum.StrEnum):
    """The market a customer buys in (sales' CustomerType also folds residency in)."""

    ADULT_USE = "adult_use"
    MEDICAL = "medical"


@dataclass(frozen=True)
class Customer:
    """Who is buying, as far as limits care. Residency only changes adult-use limits."""

    type: Programme
    resident: bool = True


def variant_for(customer: Customer) -> Variant:
    """The rule-set variant that applies to ``customer``."""
    if customer.type is Programme.MEDICAL:
        # Medical programmes register patients; none of our sources splits them by residency.
        return Variant.MEDICAL
    return Variant.ADULT_USE if customer.resident else Variant.ADULT_USE_NON_RESIDENT


@dataclass(frozen=True)
class Override:
    """One operator change, kept on the rule set so an audit can see what differs from ours."""

    change: str
    source: str
    note: str = ""


@dataclass(frozen=True)
class LimitRuleSet:
    """Everything needed to check a sale against one state's limits for one customer variant.

    ``caps`` are independent per-bucket limits (an "of which" sub-limit such as Michigan's
    15 g of concentrate is simply an independent cap next to a summed ``combined`` total).
    ``combined`` holds equivalency groups and totals. ``counting`` says what each category
    counts as; a category in ``exempt`` counts as nothing; a category in neither cannot be
    evaluated (it is refused, never counted as zero).
    """

    state: str
    variant: Variant
    window: Window
    caps: Mapping[str, Cap]
    counting: Mapping[Category, tuple[Counts, ...]]
    mark: Mark
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    combined: tuple[CombinedCap, ...] = ()
    exempt: frozenset[Category] = frozenset()
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        for name in self.caps:
            _require_bucket(name)
        seen: set[str] = set()
        for group in self.combined:
            if group.bucket in seen or group.bucket in self.caps:
                raise ValueError(f"bucket {group.bucket} is capped twice")
            seen.add(group.bucket)
        # Freeze the mappings: a state plugin's rule sets are shared by every request.
        object.__setattr__(self, "caps", MappingProxyType(dict(self.caps)))
        object.__setattr__(
            self,
            "counting",
            MappingProxyType({Category(c): tuple(rules) for c, rules in self.counting.items()}),
        )
        object.__setattr__(self, "combined", tuple(self.combined))
        object.__setattr__(self, "exempt", frozenset(Category(c) for c in self.exempt))


def with_overrides(
    ruleset: LimitRuleSet,
    *,
    source: str,
    note: str = "",
    caps: Mapping[str, Decimal | None] | None = None,
    combined_limits: Mapping[str, Decimal] | None = None,
    equivalents: Mapping[str, Mapping[str, Decimal]] | None = None,
    window: Window | None = None,
    exempt: Iterable[Category] | None = None,
    counting: Mapping[Category, Sequence[Counts]] | None = None,
) -> LimitRuleSet:
    """A copy of ``ruleset`` with an operator's changes, each recorded with ``source``.

    ``caps`` sets (or, with ``None``, removes) independent caps; ``combined_limits`` changes
    the limit of a combined bucket and ``equivalents`` its rates (merged member by member);
    ``window``, ``exempt`` and ``counting`` (merged per category) replace what they name.
    Changed numbers are marked :attr:`Mark.OPERATOR` with the operator's source.
    """
    if not source.strip():
        raise ValueError("an override must say where its numbers come from")
    changes: list[str] = []
    new_caps = dict(ruleset.caps)
    for bucket, limit in (caps or {}).items():
        old = new_caps.get(bucket)
        if limit is None:
            new_caps.pop(bucket, None)
            changes.append(f"caps.{bucket}: {old.limit if old else None} -> removed")
        else:
            new_caps[bucket] = Cap(limit, Mark.OPERATOR, source)
            changes.append(f"caps.{bucket}: {old.limit if old else None} -> {limit}")
    groups = {group.bucket: group for group in ruleset.combined}
    for bucket in {*(combined_limits or {}), *(equivalents or {})}:
        if bucket not in groups:
            raise ValueError(f"{ruleset.state} has no combined bucket {bucket}")
        group = groups[bucket]
        limit = (combined_limits or {}).get(bucket, group.limit)
        rates = {**group.equivalents, **(equivalents or {}).get(bucket, {})}
        groups[bucket] = dataclasses.replace(
            group, limit=limit, equivalents=rates, mark=Mark.OPERATOR, source=source
        )
        changes.append(
            f"combined.{bucket}: {group.limit} {dict(group.equivalents)} -> {limit} {rates}"
        )
    new_counting = dict(ruleset.counting)
    for category, rules in (counting or {}).items():
        new_counting[Category(category)] = tuple(rules)
        changes.append(f"counting.{category}: {len(rules)} rule(s)")
    if window is not None:
        changes.append(f"window: {ruleset.window} -> {window}")
    new_exempt = ruleset.exempt if exempt is None else frozenset(exempt)
    if exempt is not None:
        changes.append(f"exempt: {sorted(ruleset.exempt)} -> {sorted(new_exempt)}")
    if not changes:
        raise ValueError("an override must change something")
    return dataclasses.replace(
        ruleset,
        window=window or ruleset.window,
        caps=new_caps,
        combined=tuple(groups.values()),
        counting=new_counting,
        exempt=new_exempt,
        overrides=(*ruleset.overrides, *(Override(c, source, note) for c in changes)),
    )


@dataclass(frozen=True)
class Line:
    """One product line of a sale (or of an earlier sale in the window), as limits see it.

    ``net_weight_grams`` is not in the catalogue yet: it is the product's net weight per
    "each" (packaging excluded) and is needed only where a state caps solid or liquid edibles
    by weight (OR, WA). ``unit_weight_grams`` cannot stand in for it: it is the cannabis
    weight, not the weight of the gummy or the drink.
    """

    category: Category
    unit: Unit
    quantity: Decimal
    unit_weight_grams: Decimal | None = None
    thc_mg_per_unit: Decimal | None = None
    concentrate_grams_per_unit: Decimal | None = None
    net_weight_grams: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "category", Category(self.category))
        object.__setattr__(self, "unit", Unit(self.unit))
        # Returns and voids are netted by the sales service before lines reach us.
        _require_amount(self.quantity, "quantity")
        for name in (
            "unit_weight_grams",
            "thc_mg_per_unit",
            "concentrate_grams_per_unit",
            "net_weight_grams",
        ):
            value = getattr(self, name)
            if value is not None:
                _require_amount(value, name)


__all__ = [
    "BUCKETS",
    "CANNABIS_TOTAL_G",
    "CONCENTRATE_G",
    "CONCENTRATE_THC_MG",
    "EDIBLE_THC_MG",
    "FLOWER_EQUIVALENT_G",
    "FLOWER_G",
    "LIQUID_EDIBLE_G",
    "OUNCE_G",
    "SOLID_EDIBLE_G",
    "Bucket",
    "BucketUnit",
    "Cap",
    "CombinedCap",
    "Counts",
    "Customer",
    "LimitRuleSet",
    "Line",
    "Mark",
    "Measure",
    "Override",
    "Programme",
    "Variant",
    "Window",
    "WindowKind",
    "ounces",
    "variant_for",
    "with_overrides",
]
