"""The steps a destruction must follow, and the pure checks on carrying one out.

The state plugin's ``WasteRules`` (hold, witnesses, method, non-cannabis share) come first; a
slot the plugin leaves ``None`` (not confirmed by our sources) is filled from the location's
configured ``WastePolicy``; what neither says falls back to the cautious defaults below, which
are stated here so nobody mistakes them for a state's rule. No I/O: testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.errors import (
    AlreadyDestroyed,
    DestructionHoldNotOver,
    DomainError,
    MixTooLean,
    WitnessRequired,
)

if TYPE_CHECKING:  # the domain reads rulebooks through uow.registry, never imports a plugin
    from plugins.states.base import WasteRules

# Neither the state plugin nor the location says: no hold, and one witness (destroying waste
# alone is the pattern an inspector reads as diversion, so one second person is the default).
DEFAULT_HOLD = timedelta(0)
DEFAULT_WITNESSES = 1


@dataclass(frozen=True)
class Policy:
    """A location's configured values (None: not configured)."""

    hold_minutes: int | None = None
    witnesses: int | None = None
    state_hold_minutes: int | None = None
    min_yield_pct: Decimal | None = None


@dataclass(frozen=True)
class Steps:
    """What this destruction requires, and where each value came from."""

    hold: timedelta
    witnesses: int
    method: str | None
    min_non_cannabis_share: Decimal | None
    hold_source: str
    witnesses_source: str


def steps_for(rules: WasteRules | None, policy: Policy) -> Steps:
    """The state's confirmed values first, then the location's configuration, then defaults
    (``rules`` None: no plugin has rules for the state, so everything is configuration)."""
    hold_fact = rules.hold if rules else None
    witnesses_fact = rules.witnesses if rules else None
    method_fact = rules.method if rules else None
    share_fact = rules.min_non_cannabis_share if rules else None
    if hold_fact is not None:
        hold, hold_source = hold_fact.value, hold_fact.source
    elif policy.hold_minutes is not None:
        hold, hold_source = timedelta(minutes=policy.hold_minutes), "location waste policy"
    else:
        hold, hold_source = DEFAULT_HOLD, "default (none configured)"
    if witnesses_fact is not None:
        witnesses, witnesses_source = witnesses_fact.value, witnesses_fact.source
    elif policy.witnesses is not None:
        witnesses, witnesses_source = policy.witnesses, "location waste policy"
    else:
        witnesses, witnesses_source = DEFAULT_WITNESSES, "default (none configured)"
    return Steps(
        hold=hold,
        witnesses=witnesses,
        method=method_fact.value if method_fact else None,
        min_non_cannabis_share=share_fact.value if share_fact else None,
        hold_source=hold_source,
        witnesses_source=witnesses_source,
    )


def non_cannabis_share(waste_weight: Decimal, mixing_weight: Decimal) -> Decimal:
    """The share, by weight, of non-cannabis material in the mix."""
    total = waste_weight + mixing_weight
    return Decimal(0) if total == 0 else mixing_weight / total


def destroy_refusal(
    *,
    destruction_id: int,
    status: str,
    hold_until: datetime,
    now: datetime,
    witnesses_required: int,
    witnesses_given: int,
    min_share: Decimal | None,
    waste_weight: Decimal,
    mixing_weight: Decimal | None,
) -> DomainError | None:
    """Why this destruction may not be carried out now, or None. Checked in the order a person
    fixes things: done already, too early, witnesses, then the mix."""
    if status != "scheduled":
        return AlreadyDestroyed(destruction_id=destruction_id)
    if now < hold_until:
        return DestructionHoldNotOver(
            destruction_id=destruction_id, hold_ends_at=hold_until.isoformat()
        )
    if witnesses_given < witnesses_required:
        return WitnessRequired(required=witnesses_required, given=witnesses_given)
    if min_share is not None and min_share > 0:
        share = non_cannabis_share(waste_weight, mixing_weight or Decimal(0))
        if share < min_share:
            return MixTooLean(required_share=min_share, share=share.quantize(Decimal("0.001")))
    return None
