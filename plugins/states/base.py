"""What a state plugin contributes: one :class:`StateRulebook` per state, keyed by its code.

A state's retail rules change with every legislative session and differ from state to state,
so they are plugin data, not code paths: the purchase limits and equivalencies the register
enforces today, and typed slots later features fill (how waste is held, witnessed and made
unusable; how often a full count is due; what a label must say; when the state must hear of an
event). Built-in states ship as plugins (``plugins/states/<state>.py``); a third-party package
adds or replaces a state through the ``leafledger.states`` entry-point group.

Every value in a slot is a :class:`Fact`: the value with its mark and source, like the numbers
of a :class:`~domain.limits.LimitRuleSet`. ``None`` means "not known here": the reference gives
no confirmed number, so it is left to configuration (the rulebook's ``notes`` say what the
sources suggest) and nothing may treat it as a default.

This module is pure (frozen data, no I/O) and imports no built-in plugin: the domain may use it.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from domain.limits import Customer, LimitRuleSet, Mark, Variant, variant_for, with_overrides

T = TypeVar("T")

STATE_CODE = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Fact(Generic[T]):
    """One rule value with where it came from and how sure we are (see :class:`Mark`)."""

    value: T
    mark: Mark
    source: str

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise ValueError("a rule value must say where it comes from")


@dataclass(frozen=True)
class WasteRules:
    """How cannabis waste is held, witnessed and made unusable before it leaves the store.

    ``hold``: the least time between scheduling a destruction and carrying it out.
    ``witnesses``: how many people besides the one destroying must witness it.
    ``method``: what must be done to the product, in the regulator's words (shown to staff).
    ``min_non_cannabis_share``: the least share, by weight, of non-cannabis waste in the mix
    (CO's 50/50 grind-and-mix is ``Decimal("0.5")``).
    """

    hold: Fact[timedelta] | None = None
    witnesses: Fact[int] | None = None
    method: Fact[str] | None = None
    min_non_cannabis_share: Fact[Decimal] | None = None

    def __post_init__(self) -> None:
        if self.hold is not None and self.hold.value < timedelta(0):
            raise ValueError("a waste hold cannot be negative")
        if self.witnesses is not None and self.witnesses.value < 0:
            raise ValueError("witnesses cannot be negative")
        share = self.min_non_cannabis_share
        if share is not None and not Decimal(0) <= share.value < Decimal(1):
            raise ValueError("the non-cannabis share is a fraction in [0, 1)")


@dataclass(frozen=True)
class CountRules:
    """How often stock must be counted against the records.

    ``full_count_every_days``: a full physical count at least every N days (None: not known).
    ``cycle_count_every_days``: partial (cycle) counts at least every N days.
    """

    full_count_every_days: Fact[int] | None = None
    cycle_count_every_days: Fact[int] | None = None

    def __post_init__(self) -> None:
        for days in (self.full_count_every_days, self.cycle_count_every_days):
            if days is not None and days.value < 1:
                raise ValueError("a count frequency is at least one day")


class LabelField(enum.StrEnum):
    """Things a retail package label may have to show (each state requires some of them)."""

    PRODUCT_IDENTITY = "product_identity"
    UNIVERSAL_SYMBOL = "universal_symbol"
    NET_QUANTITY = "net_quantity"
    LICENSEE_NAME = "licensee_name"
    LICENSEE_CONTACT = "licensee_contact"
    CULTIVATION_LICENSE = "cultivation_license"
    RETAIL_LICENSE = "retail_license"
    DATE_PACKAGED = "date_packaged"
    DATE_OF_SALE = "date_of_sale"
    USE_BY_DATE = "use_by_date"
    GOVERNMENT_WARNING = "government_warning"
    MEDICAL_USE_ONLY = "medical_use_only"
    INFUSED_STATEMENT = "infused_statement"
    INGREDIENTS = "ingredients"
    ALLERGENS = "allergens"
    CANNABINOID_CONTENT = "cannabinoid_content"
    PACKAGE_TAG = "package_tag"
    BATCH_NUMBER = "batch_number"


@dataclass(frozen=True)
class LabelRules:
    """What a retail label must say in this state.

    ``required_fields``: the fields (some only for some products; ``notes`` say which).
    ``warnings``: warning texts, verbatim, each with its citation; empty when the wording is
    not in our sources (the operator enters it from the cited rule).
    ``min_type_size`` and ``symbol``: the state's own wording (points, inches).
    ``product_warnings``: where a state words the warning differently for manufactured
    cannabis products (edibles, concentrates, vapes, infused pre-rolls...) than for flower,
    the products' texts; empty: ``warnings`` apply to everything.
    """

    required_fields: Fact[frozenset[LabelField]] | None = None
    warnings: tuple[Fact[str], ...] = ()
    min_type_size: Fact[str] | None = None
    symbol: Fact[str] | None = None
    notes: tuple[str, ...] = ()
    product_warnings: tuple[Fact[str], ...] = ()

    @property
    def configured(self) -> bool:
        """Whether the state has declared anything a label must say (else a label says so)."""
        return self.required_fields is not None or bool(self.warnings)


@dataclass(frozen=True)
class ReportDeadlines:
    """When the state must have heard of a sale, adjustment or destruction.

    ``after_event``: how long after the event (None: not known here; the state system's own
    deadline, ``plugins.base.StateSystem.deadline_for``, applies). ``schedule``: a deadline no
    fixed delay expresses (WA's weekly files), in words.
    """

    after_event: Fact[timedelta] | None = None
    schedule: Fact[str] | None = None


@dataclass(frozen=True)
class SampleRules:
    """Which samples a store may take beyond display jars, and their limits.

    ``trade_samples``: whether product may be flagged and given as a trade sample (METRC's
    ``IsTradeSample``). ``employee_samples``: whether staff may take product as samples.
    ``employee_grams_per_month``: the most one employee may take in a calendar month.
    ``display_rotation_days``: how long a display jar may stay out before it is rotated.
    None: the sources do not confirm it, so the kind is refused until an operator's plugin
    states it (display jars then rotate on the location's own schedule).
    """

    trade_samples: Fact[bool] | None = None
    employee_samples: Fact[bool] | None = None
    employee_grams_per_month: Fact[Decimal] | None = None
    display_rotation_days: Fact[int] | None = None

    def __post_init__(self) -> None:
        limit = self.employee_grams_per_month
        if limit is not None and limit.value <= 0:
            raise ValueError("an employee sample limit is a positive weight")
        days = self.display_rotation_days
        if days is not None and days.value < 1:
            raise ValueError("a display rotation is at least one day")


@dataclass(frozen=True)
class StateRulebook:
    """Everything LeafLedger knows of one state's retail rules, as one plugin contributes it.

    ``limits`` holds a purchase-limit rule set for every :class:`Variant` (adult-use,
    non-resident adult-use, medical), so a lookup never silently falls through; a variant
    without numbers of its own repeats another and says so in its notes.
    """

    code: str
    name: str
    limits: Mapping[Variant, LimitRuleSet]
    waste: WasteRules = WasteRules()
    counts: CountRules = CountRules()
    labels: LabelRules = LabelRules()
    reporting: ReportDeadlines = ReportDeadlines()
    samples: SampleRules = SampleRules()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not STATE_CODE.fullmatch(self.code):
            raise ValueError(f"a state code is two capital letters, not {self.code!r}")
        missing = [str(v) for v in Variant if v not in self.limits]
        if missing:
            raise ValueError(f"{self.code} has no purchase limits for {', '.join(missing)}")
        for variant, ruleset in self.limits.items():
            if (ruleset.state, ruleset.variant) != (self.code, variant):
                raise ValueError(
                    f"{self.code} {variant} holds {ruleset.state} {ruleset.variant} limits"
                )
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))

    def limits_for(self, customer: Customer) -> LimitRuleSet:
        """The purchase-limit rule set that applies to ``customer`` here."""
        return self.limits[variant_for(customer)]

    def with_limit_overrides(
        self, variant: Variant, *, source: str, note: str = "", **changes: Any
    ) -> StateRulebook:
        """A copy with ``variant``'s limits changed by :func:`~domain.limits.with_overrides`
        (same keyword arguments; every change recorded with ``source``)."""
        changed = with_overrides(self.limits[variant], source=source, note=note, **changes)
        return dataclasses.replace(self, limits={**self.limits, variant: changed})


def find_rulebook(rulebooks: Mapping[str, StateRulebook], code: str) -> StateRulebook:
    """``code``'s rulebook (two letters, any case). Raises ``KeyError`` when no plugin covers
    the state: a store there must not sell until someone writes its rules."""
    try:
        return rulebooks[code.strip().upper()]
    except KeyError:
        raise KeyError(f"no rules for state {code!r} are installed") from None


__all__ = [
    "STATE_CODE",
    "CountRules",
    "Fact",
    "LabelField",
    "LabelRules",
    "ReportDeadlines",
    "SampleRules",
    "StateRulebook",
    "WasteRules",
    "find_rulebook",
]
