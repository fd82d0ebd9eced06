"""Pure rules of a count session: statuses, the counted quantity, netting, conflicts, variance.

No I/O here: ``submission`` reads the ledger and hands these functions plain values.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.errors import InvalidQuantity, UnitMismatch
from domain.quantities import Unit, parse_quantity


class SessionStatus(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    RECOUNT_REQUIRED = "recount_required"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


# Lines may be recorded while the session is in one of these.
COUNTING = frozenset({SessionStatus.OPEN})
# Expected quantities are hidden from the counter and witness while the session is in these.
BLIND_WHILE = frozenset({SessionStatus.OPEN, SessionStatus.RECOUNT_REQUIRED})


class Finding(enum.StrEnum):
    """A scanned tag the counted scope should not hold: recorded, never refused."""

    WRONG_ZONE = "wrong_zone"  # ours, at this location, but the books have it elsewhere
    OTHER_LOCATION = "other_location"  # a package of another of the operator's licences
    UNKNOWN_TAG = "unknown_tag"  # not in our books at all
    NOT_IN_SPOT_LIST = "not_in_spot_list"  # ours, but not one of the spot count's packages


@dataclass(frozen=True)
class CountPolicyRules:
    """A location's session settings (``count_policy``; these defaults when it has no row)."""

    two_person_zone_kinds: frozenset[str] = frozenset({"vault"})
    two_person_above_threshold: bool = True
    variance_quantity_threshold: Decimal = Decimal("1.000")
    variance_value_threshold: Decimal = Decimal("50.00")
    session_limit_hours: int = 12
    blind: bool = True


def counted_quantity(value: object, unit: str | None, package_unit: str) -> Decimal:
    """The quantity a line counted, in the package's own unit: zero or more, at most 3 places
    (a scale's 0.001 g), whole for packages counted in each."""
    if unit is not None and str(unit) != str(package_unit):
        raise UnitMismatch(expected=str(package_unit), given=str(unit))
    if isinstance(value, Decimal) and value.is_finite() and value < 0:
        raise InvalidQuantity("quantity", "a count cannot be negative")
    quantity = parse_quantity(value, allow_zero=True)
    if package_unit == Unit.EACH and quantity != quantity.to_integral_value():
        raise InvalidQuantity("quantity", "packages counted in each take whole numbers")
    return quantity


@dataclass(frozen=True)
class Moved:
    """One ledger movement's effect on one (package, zone) after the session started."""

    occurred_at: datetime
    delta: Decimal  # + into the zone, - out of it


@dataclass(frozen=True)
class Scan:
    line_id: int
    counted_at: datetime
    quantity: Decimal


@dataclass(frozen=True)
class Evaluated:
    """What one (package, zone) comes to at submission."""

    line_id: int  # the scan that counts (the last one); the others are superseded
    superseded: tuple[int, ...]
    counted: Decimal
    expected_at_start: Decimal
    netted: Decimal
    expected: Decimal
    variance: Decimal
    conflict: bool
    all_lines: tuple[int, ...] = field(default=())


def evaluate(
    scans: Sequence[Scan], balance_now: Decimal, moves: Iterable[Moved], started_at: datetime
) -> Evaluated:
    """Net the ledger's movements against the scans of one package in one zone.

    The books' quantity at the moment of the scan is today's balance minus whatever moved after
    it; the movements between the session's start and the scan are the *netted* part (a sale
    during the count is not a variance). When a movement falls between two scans of the same
    package, which scan saw it cannot be known: the line is in conflict and must be recounted.
    """
    moves = list(moves)
    if len(scans) == 1 and not moves:  # the usual case: one scan, nothing moved
        only = scans[0]
        return Evaluated(
            line_id=only.line_id,
            superseded=(),
            counted=only.quantity,
            expected_at_start=balance_now,
            netted=Decimal(0),
            expected=balance_now,
            variance=only.quantity - balance_now,
            conflict=False,
            all_lines=(only.line_id,),
        )
    ordered = sorted(scans, key=lambda s: (s.counted_at, s.line_id))
    last = ordered[-1]
    after_scan = sum((m.delta for m in moves if m.occurred_at > last.counted_at), Decimal(0))
    netted = sum(
        (m.delta for m in moves if started_at < m.occurred_at <= last.counted_at), Decimal(0)
    )
    expected = balance_now - after_scan
    first = ordered[0]
    conflict = any(first.counted_at < m.occurred_at < last.counted_at for m in moves)
    return Evaluated(
        line_id=last.line_id,
        superseded=tuple(s.line_id for s in ordered[:-1]),
        counted=last.quantity,
        expected_at_start=expected - netted,
        netted=netted,
        expected=expected,
        variance=last.quantity - expected,
        conflict=conflict,
        all_lines=tuple(s.line_id for s in ordered),
    )


def in_grams(quantity: Decimal, unit: str, grams_per_unit: Decimal | None) -> Decimal:
    """A quantity as grams, for the total; each-counted products by their net weight (0 when
    the catalogue does not say)."""
    if unit == Unit.GRAMS:
        return quantity
    if unit == Unit.MILLIGRAMS:
        return quantity / 1000
    return quantity * (grams_per_unit or Decimal(0))


def above_threshold(variance: Decimal, value: Decimal, rules: CountPolicyRules) -> bool:
    return (
        abs(variance) > rules.variance_quantity_threshold
        or abs(value) > rules.variance_value_threshold
    )


def needs_witness(
    zone_kinds: Iterable[str], any_above_threshold: bool, rules: CountPolicyRules
) -> bool:
    """Whether the session cannot be submitted without an authenticated witness."""
    if any(kind in rules.two_person_zone_kinds for kind in zone_kinds):
        return True
    return any_above_threshold and rules.two_person_above_threshold
