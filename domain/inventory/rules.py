"""Pure rules about which movements a package may take, checked under the package's row lock."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.catalog.model import SELLABLE_LAB_STATUSES, LabStatus
from domain.errors import ValidationError
from domain.inventory.model import (
    NOTE_MAX_LENGTH,
    REASONS_REQUIRING_NOTE,
    AdjustmentReason,
    MovementKind,
    PackageStatus,
)
from domain.organisation.model import SELLABLE_KINDS, ZoneKind

# Where a held or recalled package may still go: out of reach of customers.
HELD_DESTINATIONS = frozenset(
    {ZoneKind.QUARANTINE, ZoneKind.QA_TESTING, ZoneKind.WASTE, ZoneKind.VAULT}
)
# Write-ons (positive adjustments) only make sense as corrections, never as "theft".
INCREASE_REASONS = frozenset(
    {AdjustmentReason.COUNT_CORRECTION, AdjustmentReason.ENTRY_ERROR, AdjustmentReason.OTHER}
)


@dataclass(frozen=True)
class PackageState:
    """A package as locked by the ledger: what the rules need to decide."""

    id: int
    tag: str
    location_id: int
    product_id: int
    unit: str
    status: PackageStatus
    lab_status: LabStatus | None
    expires_on: date | None
    sell_by: date | None
    movement_count: int
    last_hash: str
    # The store's calendar date (its time zone), for expiry and sell-by.
    local_today: date | None = None
    # The location's state, time zone and state system (which reports a movement owes).
    state: str = ""
    timezone: str = "UTC"
    state_system: str = "none"
    # The product's sales-floor threshold (lowStock), if it has one.
    low_stock_threshold: Decimal | None = None


def movement_refusal(
    package: PackageState,
    kind: MovementKind,
    to_kind: ZoneKind | None,
    from_kind: ZoneKind | None = None,
) -> str | None:
    """Why ``package`` may not take this movement, or None when it may."""
    if package.status == PackageStatus.FINISHED:
        return "the package is finished"
    # A sample jar has been opened and handled: it is never put back in front of customers.
    if from_kind == ZoneKind.SAMPLES and to_kind in SELLABLE_KINDS:
        return "sample stock is never sold"
    if package.status in (PackageStatus.ON_HOLD, PackageStatus.RECALLED):
        if kind in (MovementKind.SALE, MovementKind.RESERVE):
            return f"the package is {package.status.replace('_', ' ')}"
        if to_kind is not None and to_kind not in HELD_DESTINATIONS:
            return (
                f"the package is {package.status.replace('_', ' ')} and may only go to "
                "quarantine, QA/testing, waste or the vault"
            )
    # Putting stock in front of customers needs a passing lab result and an unexpired batch,
    # however it arrives. Voids and releases only put back what was already there.
    if to_kind in SELLABLE_KINDS and kind not in (MovementKind.VOID, MovementKind.RELEASE):
        return sellability_refusal(package, today=package.local_today)
    return None


def sellability_refusal(package: PackageState, today: date | None) -> str | None:
    """Why stock of ``package`` may not be put in front of (or sold to) a customer."""
    if package.lab_status is not None and package.lab_status not in SELLABLE_LAB_STATUSES:
        return f"the batch's lab status is {package.lab_status}"
    if today is not None:
        if package.expires_on is not None and package.expires_on < today:
            return f"the batch expired on {package.expires_on.isoformat()}"
        if package.sell_by is not None and package.sell_by < today:
            return f"the batch's sell-by date was {package.sell_by.isoformat()}"
    return None


def check_adjustment(reason: AdjustmentReason, delta: Decimal, note: str | None) -> None:
    """An adjustment's reason must fit its direction, and some reasons need words."""
    if delta > 0 and reason not in INCREASE_REASONS:
        raise ValidationError(
            "reason", f"{reason} cannot add stock; use count_correction or entry_error"
        )
    if reason in REASONS_REQUIRING_NOTE and not (note and note.strip()):
        raise ValidationError("note", f"a note is required when the reason is {reason}")


def low_stock_crossings(
    before: Mapping[int, Decimal],
    removed: Mapping[int, Decimal],
    thresholds: Mapping[int, Decimal | None],
) -> dict[int, Decimal]:
    """The products whose floor quantity falls below their threshold by this removal
    (were at or above it, are below it now), with the quantity now on the floor."""
    crossed = {}
    for product_id, threshold in thresholds.items():
        if threshold is None or product_id not in before:
            continue
        after = before[product_id] - removed.get(product_id, Decimal(0))
        if before[product_id] >= threshold > after:
            crossed[product_id] = after
    return crossed


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError("note", f"at most {NOTE_MAX_LENGTH} characters")
    return note or None
