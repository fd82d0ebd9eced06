"""Our adjustment reasons in the state's vocabulary, without losing ours.

Why this module exists: the ledger records ten reasons (``domain.inventory.model
.AdjustmentReason``); CCRS accepts seven, and wants the quantity as a positive number with the
direction told in words: "Report the Quantity of the adjustment as numeric positive value and in
the details provide what the adjustment was for (adding to or subtracting from inventory)" (CCRS
FAQ, https://lcb.wa.gov/ccrs/faq) [s]. So each of our reasons maps to one CCRS reason, and
AdjustmentDetail always carries our reason, the direction and the operator's note, from which
``our_reason_from_detail`` recovers our reason when reconciling.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from plugins.builtin.ccrs_files.codecs import CcrsFormatError, Operation
from plugins.builtin.ccrs_files.layouts import InventoryAdjustmentRow
from plugins.builtin.ccrs_files.vocabulary import CcrsAdjustmentReason

DETAIL_MAX_LENGTH = 250  # GUIDE p.31, AdjustmentDetail "text (250)" [s]

# Justification: the Upload User Guide's Table 5, "Valid AdjustmentReason values" (p.32) [s].
ADJUSTMENT_REASONS: dict[str, str] = {
    # Table 5 files "Budtender Sample", "Vendor Sample" and "Limited self-sampling" under Other.
    "sample": CcrsAdjustmentReason.OTHER.value,
    # Table 5's ReturnedLabSample is "Lab Sample Returned": a lab's leftover coming back to the
    # licensee who sent it (processors send samples, GUIDE p.5 step 8). Stock a store uses up in
    # its own QA or testing is not that, and Table 5 has no row for it, so Other with the detail.
    "qa_testing": CcrsAdjustmentReason.OTHER.value,
    # Table 5: "Destruction/Disposal" -> Destruction. The guide's "daily waste is accounted for
    # under Other" (p.32) is about harvested material, not a store's damaged packages.
    "packaging_waste": CcrsAdjustmentReason.DESTRUCTION.value,
    "damage": CcrsAdjustmentReason.DESTRUCTION.value,
    "expired": CcrsAdjustmentReason.DESTRUCTION.value,
    "destruction": CcrsAdjustmentReason.DESTRUCTION.value,
    # Table 5: "Theft" -> Theft (the state then requires AdjustmentDetail; we always fill it).
    "theft": CcrsAdjustmentReason.THEFT.value,
    # Table 5: "Balance inventory" -> Reconciliation; a corrected typo balances inventory too.
    "count_correction": CcrsAdjustmentReason.RECONCILIATION.value,
    "entry_error": CcrsAdjustmentReason.RECONCILIATION.value,
    "other": CcrsAdjustmentReason.OTHER.value,
    # Nothing of ours maps to Lost, Seizure or ReturnedLabSample: an operator who records such an
    # event as "other" with a note can change the row's reason before the file is rendered.
}

_DETAIL = re.compile(r"([a-z_]+); (decrease|increase)(?:; .*)?", re.DOTALL)


def ccrs_reason(our_reason: str) -> CcrsAdjustmentReason:
    """The CCRS reason for one of ours; refuses a reason we do not know."""
    try:
        return CcrsAdjustmentReason(ADJUSTMENT_REASONS[str(our_reason)])
    except KeyError:
        raise CcrsFormatError(f"no CCRS reason for adjustment reason {our_reason!r}") from None


def adjustment_detail(our_reason: str, delta: Decimal, note: str | None = None) -> str:
    """``"qa_testing; decrease; pulled for potency retest"`` (at most 250 characters).

    The note is made safe for the state's reader: line breaks and tabs become spaces, double
    quotes become single quotes and commas become semicolons (the ledger keeps it verbatim).
    """
    ccrs_reason(our_reason)
    direction = "decrease" if _signed(delta) < 0 else "increase"
    detail = f"{our_reason}; {direction}"
    if note and note.strip():
        safe = " ".join(note.split()).replace('"', "'").replace(",", ";")
        detail = f"{detail}; {safe}"
    if len(detail) > DETAIL_MAX_LENGTH:
        detail = detail[: DETAIL_MAX_LENGTH - 3] + "..."
    return detail


def our_reason_from_detail(detail: str | None) -> str | None:
    """Our reason, read back from an AdjustmentDetail we wrote; None if it is not one of ours."""
    match = _DETAIL.fullmatch(detail or "")
    if match is None or match.group(1) not in ADJUSTMENT_REASONS:
        return None
    return match.group(1)


def adjustment_row(
    *,
    license_number: str,
    inventory_external_identifier: str,
    our_reason: str,
    delta: Decimal,
    note: str | None,
    adjustment_date: date,
    external_identifier: str,
    created_by: str,
    created_date: date,
    updated_by: str | None = None,
    updated_date: date | None = None,
    operation: Operation = Operation.INSERT,
) -> InventoryAdjustmentRow:
    """One ledger adjustment (signed ``delta``) as a CCRS row: positive quantity, mapped reason,
    and our reason, direction and note in AdjustmentDetail."""
    return InventoryAdjustmentRow(
        license_number=license_number,
        inventory_external_identifier=inventory_external_identifier,
        adjustment_reason=ccrs_reason(our_reason),
        adjustment_detail=adjustment_detail(our_reason, delta, note),
        quantity=abs(_signed(delta)),
        adjustment_date=adjustment_date,
        external_identifier=external_identifier,
        created_by=created_by,
        created_date=created_date,
        updated_by=updated_by,
        updated_date=updated_date,
        operation=operation,
    )


def _signed(delta: Decimal) -> Decimal:
    if not isinstance(delta, Decimal) or not delta.is_finite() or delta == 0:
        raise CcrsFormatError(f"an adjustment is a non-zero finite Decimal, not {delta!r}")
    return delta
