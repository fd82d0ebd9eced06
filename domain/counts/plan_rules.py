"""How often each class of product and each vault is counted, and when a package is due (pure).

The numbers come from three places, and the plan says which one each came from:
- ``default``: A weekly, B monthly, C quarterly, vault zones weekly;
- ``location``: the location's count policy, where it differs from the default;
- ``state``: the state's minimum, from the state plugin's rulebook (``counts`` slot), which
  overrides a laxer plan and never a stricter one.

The two state numbers bind differently. A full count every N days means every package is counted
at least every N days, so it caps every interval. A cycle count every N days means some count
happens at least every N days; the plan keeps that promise by capping its most frequent counts
(class A and the vault zones) at N, since those are what a store counts on a short cycle.

A package is due ``every_days`` after it was last counted (or, never counted, after it was
received: receiving weighs and checks every package, which is a count). A package in a vault zone
takes the shorter of its class's and the vault's interval.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.counts.abc import DEFAULT_A_SHARE, DEFAULT_B_SHARE, AbcClass, check_shares

VAULT = "vault"


class Source(enum.StrEnum):
    DEFAULT = "default"
    LOCATION = "location"
    STATE = "state"


@dataclass(frozen=True)
class PlanPolicy:
    """A location's plan numbers (its count policy row; the defaults when it has none)."""

    class_a_days: int = 7
    class_b_days: int = 30
    class_c_days: int = 90
    vault_days: int = 7
    abc_window_days: int = 90
    class_a_share: Decimal = DEFAULT_A_SHARE
    class_b_share: Decimal = DEFAULT_B_SHARE

    def __post_init__(self) -> None:
        check_shares(self.class_a_share, self.class_b_share)


DEFAULT_POLICY = PlanPolicy()
PLAN_FIELDS = tuple(f.name for f in fields(PlanPolicy))

# What a location may set (inclusive). Counting more often than daily is a session, not a plan;
# more than two years apart is no plan at all. The window needs a week of sales to mean anything.
DAY_LIMITS = (1, 730)
WINDOW_LIMITS = (7, 730)


@dataclass(frozen=True)
class StateMinimum:
    """The state's count rules as the plan uses them: days, and the rulebook's citation."""

    state: str
    full_count_every_days: int | None = None
    full_count_source: str | None = None
    cycle_count_every_days: int | None = None
    cycle_count_source: str | None = None


def state_minimum(state: str, counts: Any) -> StateMinimum:
    """Read a rulebook's ``counts`` slot (``plugins.states.base.CountRules``: two optional
    ``Fact[int]``); a number the sources do not confirm is ``None`` and sets no minimum."""
    full = getattr(counts, "full_count_every_days", None)
    cycle = getattr(counts, "cycle_count_every_days", None)
    return StateMinimum(
        state=state,
        full_count_every_days=None if full is None else int(full.value),
        full_count_source=None if full is None else str(full.source),
        cycle_count_every_days=None if cycle is None else int(cycle.value),
        cycle_count_source=None if cycle is None else str(cycle.source),
    )


@dataclass(frozen=True)
class Frequency:
    """How often one class (``A``, ``B``, ``C``) or the vault zones are counted, and why."""

    subject: str
    every_days: int
    source: Source
    planned_days: int
    citation: str | None = None


_SUBJECTS = (
    (AbcClass.A.value, "class_a_days", True),
    (AbcClass.B.value, "class_b_days", False),
    (AbcClass.C.value, "class_c_days", False),
    (VAULT, "vault_days", True),
)


def frequencies(policy: PlanPolicy, minimum: StateMinimum | None) -> dict[str, Frequency]:
    """The interval of each class and of vault zones, with where each number comes from."""
    result: dict[str, Frequency] = {}
    for subject, name, short_cycle in _SUBJECTS:
        planned = int(getattr(policy, name))
        source = Source.DEFAULT if planned == getattr(DEFAULT_POLICY, name) else Source.LOCATION
        days, citation = planned, None
        caps: list[tuple[int, str | None]] = []
        if minimum is not None and minimum.full_count_every_days is not None:
            caps.append((minimum.full_count_every_days, minimum.full_count_source))
        if short_cycle and minimum is not None and minimum.cycle_count_every_days is not None:
            caps.append((minimum.cycle_count_every_days, minimum.cycle_count_source))
        for cap, cap_source in caps:
            if cap < days:
                days, source, citation = cap, Source.STATE, cap_source
        result[subject] = Frequency(subject, days, source, planned, citation)
    return result


def interval_days(abc_class: AbcClass, zone_kind: str, plan: dict[str, Frequency]) -> int:
    """Days between counts of a package of ``abc_class`` held in a zone of ``zone_kind``."""
    days = plan[abc_class.value].every_days
    if zone_kind == VAULT:
        days = min(days, plan[VAULT].every_days)
    return days


class DueState(enum.StrEnum):
    OVERDUE = "overdue"
    DUE = "due"
    LATER = "later"


def due_at(last_counted_at: datetime | None, received_at: datetime, every_days: int) -> datetime:
    """When a package next needs counting (see the module text for a never-counted one)."""
    return (last_counted_at or received_at) + timedelta(days=every_days)


def due_state(when: datetime, now: datetime, within: timedelta) -> DueState:
    """Overdue once its time has passed; due when it falls within ``within`` from now."""
    if when <= now:
        return DueState.OVERDUE
    if when <= now + within:
        return DueState.DUE
    return DueState.LATER
