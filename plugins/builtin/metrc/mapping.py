"""Our state-agnostic reports as METRC v2 request bodies (PascalCase, facility-local times)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plugins.base import OutboundReport, StateReason

NOTE_LIMIT = 200  # longer ReasonNotes fail the whole submission (reported to fail silently too)
UNITS = {"grams": "Grams", "milligrams": "Milligrams", "each": "Each"}
CUSTOMER_TYPES = {
    "adult_use": "Consumer",
    "medical": "Patient",
    "caregiver": "Caregiver",
    "non_resident": "NonResidentConsumer",
    "external_patient": "ExternalPatient",
}
# Our taxonomy → words to look for in the facility's own reason list (fetched at runtime,
# it differs by state). First match wins; an operator can pin a mapping in the settings.
REASON_KEYWORDS: Mapping[str, Sequence[str]] = {
    "theft": ("theft", "stolen"),
    "damage": ("damage", "waste (unusable", "unusable"),
    "destruction": ("waste", "destroy", "unusable"),
    "expired": ("expir", "waste"),
    "packaging_waste": ("waste", "unusable"),
    "count_correction": ("scale variance", "audit", "count", "variance"),
    "entry_error": ("entry error", "error", "incorrect"),
    "sample": ("sample", "trade sample"),
    "qa_testing": ("lab", "testing", "sample"),
    "other": ("other",),
}


def local_time(at: datetime, timezone: str) -> str:
    """The facility's wall-clock time without an offset: ``2016-10-04T16:44:53.000``."""
    local = at.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return local.isoformat(timespec="milliseconds")


def local_date(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).date().isoformat()


def number(value: Any) -> float | int:
    """JSON numbers for METRC (Decimal → int when whole, else float with 3 places)."""
    amount = Decimal(str(value))
    if amount == amount.to_integral_value():
        return int(amount)
    return float(round(amount, 3))


def note(report: OutboundReport, text: str | None) -> str:
    """Our external id first (read-back finds the adjustment by it), the note after, ≤ 200."""
    body = f"{report.external_id}: {text}" if text else report.external_id
    return body if len(body) <= NOTE_LIMIT else body[: NOTE_LIMIT - 1] + "…"


def pick_reason(ours: str | None, theirs: Sequence[StateReason], pinned: Mapping[str, str]) -> str:
    ours = ours or "other"
    if ours in pinned:
        return pinned[ours]
    names = [r.name for r in theirs]
    for keyword in REASON_KEYWORDS.get(ours, ()):
        for name in names:
            if keyword in name.lower():
                return name
    for name in names:
        if "other" in name.lower():
            return name
    return names[0] if names else "Scale Variance"


def receipt(report: OutboundReport) -> dict[str, Any]:
    """A sale report's ``POST /sales/v2/receipts`` row."""
    return receipt_of(report.external_id, report.occurred_at, report.timezone, report.payload)


def receipt_of(
    external_id: str, occurred_at: datetime, timezone: str, p: Mapping[str, Any]
) -> dict[str, Any]:
    """The receipt row for a sale (its payload as our outbox holds it). A return rebuilds the
    same row from the sale's report, so an update carries every field the POST did."""
    return {
        "SalesDateTime": local_time(occurred_at, timezone),
        "ExternalReceiptNumber": external_id,
        "SalesCustomerType": CUSTOMER_TYPES.get(str(p.get("customer_type")), "Consumer"),
        "PatientLicenseNumber": p.get("patient_license"),
        "CaregiverLicenseNumber": p.get("caregiver_license"),
        "IdentificationMethod": p.get("identification_method"),
        "Transactions": [
            {
                "PackageLabel": line["tag"],
                "Quantity": number(line["quantity"]),
                "UnitOfMeasure": UNITS[line["unit"]],
                "TotalAmount": number(line.get("total_amount", 0)),
                "DiscountAmount": _maybe(line.get("discount")),
                "SalesTax": _maybe(line.get("sales_tax")),
                "ExciseTax": _maybe(line.get("excise_tax")),
            }
            for line in p["lines"]
        ],
    }


def adjustment(
    report: OutboundReport, reasons: Sequence[StateReason], pinned: Mapping[str, str]
) -> dict[str, Any]:
    p = report.payload
    return {
        "Label": p["tag"],
        "Quantity": number(p["quantity"]),
        "UnitOfMeasure": UNITS[p["unit"]],
        "AdjustmentReason": pick_reason(p.get("reason"), reasons, pinned),
        "AdjustmentDate": local_date(report.occurred_at, report.timezone),
        "ReasonNote": note(report, p.get("note")),
    }


def _maybe(value: Any) -> float | int | None:
    return None if value is None else number(value)
