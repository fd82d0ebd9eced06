"""The facts the diversion rules read, the thresholds a location tunes, and what a rule raises."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class Rule(enum.StrEnum):
    VAULT_OUTSIDE_SHIFT = "vault_outside_shift"
    UNKNOWN_ACCESS = "unknown_access"
    LARGE_ADJUSTMENT = "large_adjustment"
    FREQUENT_ADJUSTMENTS = "frequent_adjustments"
    REPEATED_VOIDS = "repeated_voids"
    COUNTER_VARIANCE = "counter_variance"
    AFTER_HOURS_MOVEMENT = "after_hours_movement"
    USAGE_ABOVE_RATE = "usage_above_rate"
    TAG_HISTORY_MISMATCH = "tag_history_mismatch"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    DISMISSED = "dismissed"
    ESCALATED = "escalated"


class AccessDirection(enum.StrEnum):
    ENTRY = "entry"
    EXIT = "exit"
    DENIED = "denied"
    CLOCK_IN = "clock_in"
    CLOCK_OUT = "clock_out"


@dataclass(frozen=True)
class Thresholds:
    """Per location (``diversion_settings``); every value has a default that fits a typical
    store, so a location tunes only what differs. Hours are local (the location's timezone)."""

    opening_hour: int = 7
    closing_hour: int = 22
    # One write-off at or above either is flagged on its own.
    adjustment_value: Decimal = Decimal("250")
    adjustment_grams: Decimal = Decimal("28")
    # A person's weekly count against the median of their peers' (others who moved stock).
    peer_factor: Decimal = Decimal("3")
    min_adjustments_per_week: int = 6
    min_voids_per_week: int = 5
    min_count_corrections_per_week: int = 4
    # Waste and samples in a week against the median of the previous ``usual_weeks`` weeks.
    usage_factor: Decimal = Decimal("2")
    usage_min_value: Decimal = Decimal("100")
    usual_weeks: int = 8
    # An open clock-in counts as a shift for at most this long.
    open_shift_hours: int = 12

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class MovementFact:
    id: int
    package_id: int
    kind: str
    quantity: Decimal
    out: bool  # took stock away from a zone (a write-off when kind is adjust)
    reason: str | None
    actor_id: int
    occurred_at: datetime
    grams: Decimal | None  # the quantity in grams, when the product's weight is known
    value: Decimal  # at the package's (or product's) unit cost


@dataclass(frozen=True, slots=True)
class AccessFact:
    id: int
    occurred_at: datetime
    direction: str
    zone_id: int | None
    zone_kind: str | None
    zone_ref: str
    badge_ref: str
    user_id: int | None


@dataclass(frozen=True, slots=True)
class ShiftSpan:
    user_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class ActorWeek:
    """One person's week, aggregated by the database (counts and the first evidence ids)."""

    actor_id: int
    adjustments: int
    adjustment_ids: tuple[int, ...]
    voids: int
    void_ids: tuple[int, ...]
    corrections: int
    correction_ids: tuple[int, ...]


@dataclass(frozen=True)
class UsageWeek:
    week: date
    value: Decimal
    movement_ids: tuple[int, ...]


@dataclass(frozen=True)
class Mismatch:
    """A reconciliation found the state's history of a tag disagreeing with our movements."""

    discrepancy_id: int
    tag: str
    kind: str
    our_quantity: Decimal | None
    state_quantity: Decimal | None
    movement_ids: tuple[int, ...]


@dataclass(frozen=True)
class FlagDraft:
    """A flag a rule raises; ``evidence_key`` makes it once per evidence (per location, rule)."""

    rule: Rule
    severity: Severity
    evidence_key: str
    summary: str
    subject_user_id: int | None = None
    movement_ids: tuple[int, ...] = ()
    access_event_ids: tuple[int, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
