"""Our state-agnostic reports as METRC v2 request bodies (PascalCase, facility-local times)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plugins.base import OutboundReport

NOTE_LIMIT = 200  # longer ReasonNotes fail the whole submission (reported to fail silently too)
UNITS = {"grams": "Grams", "milligrams": "Milligrams", "each": "Each"}
CUSTOMER_TYPES = {
    "adult_use": "Consumer",
    "medical": "Patient",
    "caregiver": "Caregiver",
    "non_resident": "NonResidentConsumer",
    "external_patient": "ExternalPatient",
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


def state_reason(report: OutboundReport) -> Mapping[str, Any] | None:
    """The METRC reason compliance mapped for the report's reason, with its flags, as the sync
    engine attached it from the licence's reason map; None when absent (never guessed here)."""
    chosen = report.payload.get("state_reason")
    return chosen if isinstance(chosen, Mapping) and chosen.get("name") else None


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


def adjustment(report: OutboundReport) -> dict[str, Any]:
    p = report.payload
    chosen = state_reason(report)
    if chosen is None:
        raise ValueError(f"report {report.id} has no mapped METRC adjustment reason")
    return {
        "Label": p["tag"],
        "Quantity": number(p["quantity"]),
        "UnitOfMeasure": UNITS[p["unit"]],
        "AdjustmentReason": str(chosen["name"]),
        "AdjustmentDate": local_date(report.occurred_at, report.timezone),
        "ReasonNote": note(report, _reason_text(p, chosen)),
    }


def _reason_text(p: Mapping[str, Any], chosen: Mapping[str, Any]) -> str | None:
    """The person's note, led by the waste weight when the reason requires one. METRC's
    published adjust body has no waste-weight property (only ReasonNote), so the weight is
    recorded there, before the note, where truncation to 200 characters cannot reach it."""
    text = p.get("note")
    if not chosen.get("requires_waste_weight") or p.get("waste_weight") is None:
        return text
    unit = UNITS.get(str(p.get("waste_unit") or "grams"), "Grams")
    weight = f"Waste weight: {number(p['waste_weight'])} {unit}."
    return f"{weight} {text}" if text else weight


def _maybe(value: Any) -> float | int | None:
    return None if value is None else number(value)


def created_packages(report: OutboundReport) -> list[dict[str, Any]]:
    """A repack's ``POST /packages/v2`` rows: one per new package, its ingredients the input
    packages and how much of each went into it (what was lost in packaging is a separate
    waste adjustment, reported on its own)."""
    day = local_date(report.occurred_at, report.timezone)
    return [
        {
            "Tag": line["tag"],
            "Location": None,
            "Item": line.get("item"),
            "Quantity": number(line["quantity"]),
            "UnitOfMeasure": UNITS[line["unit"]],
            "Note": note(report, None),
            "IsProductionBatch": False,
            "ProductionBatchNumber": None,
            "IsDonation": False,
            # A trade sample taken as a package of its own (domain/samples/children.py).
            "IsTradeSample": bool(line.get("trade_sample")),
            "ProductRequiresRemediation": False,
            "UseSameItem": False,
            "ActualDate": day,
            "Ingredients": [
                {
                    "Package": part["tag"],
                    "Quantity": number(part["quantity"]),
                    "UnitOfMeasure": UNITS[part["unit"]],
                }
                for part in line.get("ingredients", [])
            ],
        }
        for line in report.payload["lines"]
        if line.get("role") == "output"
    ]
