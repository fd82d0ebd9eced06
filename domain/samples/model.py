"""Sample kinds and statuses, and the pure rules about taking and rotating samples."""

from __future__ import annotations

import enum
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.inventory.model import PackageStatus
from domain.inventory.rules import PackageState

if TYPE_CHECKING:  # the rulebook reaches the domain through uow.registry, never an import
    from plugins.states.base import SampleRules


class SampleKind(enum.StrEnum):
    DISPLAY = "display"  # a jar customers may smell or look at, never sold
    TRADE = "trade"  # given to a buyer or budtender of another licence
    EMPLOYEE = "employee"  # taken by staff, where the state allows it


class SampleStatus(enum.StrEnum):
    OUT = "out"  # in the samples zone
    ROTATED = "rotated"  # moved to the waste zone (destruction takes it from there)
    HANDED_OUT = "handed_out"  # a trade or employee sample given to its recipient


# Our operational default when neither the state's rulebook nor the location says otherwise:
# a jar opened for a month is stale. Not a state rule.
DEFAULT_ROTATION_DAYS = 30


def sampling_refusal(package: PackageState, today: date | None) -> str | None:
    """Why no sample may be taken from ``package`` now (held, recalled, finished, expired).

    Stricter than the movement rules: those let held stock go to the vault or QA; a sample
    put in front of staff or customers must come from stock that could be sold.
    """
    if package.status != PackageStatus.ACTIVE:
        return f"the package is {package.status.replace('_', ' ')}"
    if today is not None and package.expires_on is not None and package.expires_on < today:
        return f"the batch expired on {package.expires_on.isoformat()}"
    return None


def kind_refusal(kind: SampleKind, rules: SampleRules | None) -> str | None:
    """Why the state's rules do not let this kind of sample be taken (None: they do).
    ``rules`` None: no plugin covers the state at all."""
    if kind == SampleKind.DISPLAY:
        return None
    if rules is None:
        return "no state plugin covers this state"
    fact = rules.trade_samples if kind == SampleKind.TRADE else rules.employee_samples
    if fact is None:
        return "the state's rules for them are not confirmed; configure them in a state plugin"
    if not fact.value:
        return f"the state does not allow them ({fact.source})"
    return None


def employee_limit_refusal(
    rules: SampleRules | None, already: Decimal, requested: Decimal
) -> Decimal | None:
    """The monthly limit an employee sample would exceed, or None when it fits (or the state
    sets none)."""
    limit = rules.employee_grams_per_month if rules is not None else None
    if limit is None:
        return None
    return limit.value if already + requested > limit.value else None


def rotation_days(location_days: int | None, rules: SampleRules | None) -> int:
    """The location's schedule first, then the state's, then our default."""
    if location_days is not None:
        return location_days
    if rules is not None and rules.display_rotation_days is not None:
        return rules.display_rotation_days.value
    return DEFAULT_ROTATION_DAYS


def rotate_by(taken_on: date, days: int) -> date:
    return taken_on + timedelta(days=days)


def is_overdue(rotate_on: date | None, today: date) -> bool:
    return rotate_on is not None and rotate_on < today
