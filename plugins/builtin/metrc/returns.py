"""A customer return as METRC hears it: the sale's receipt, updated to what stays sold.

METRC has no return receipt. Its published API updates a receipt (``PUT /sales/v2/receipts``:
the old version's quantities go back to the packages, the new version's are taken) and voids
one (``DELETE``). So a return is sent as the receipt with each returned tag's quantity brought
down to what the customer kept, or as a void when they kept nothing. Our report says the
absolute quantities, never "minus 2 g", so sending it twice leaves METRC as sending it once.
A finalized receipt cannot be updated: METRC refuses, and a person unfinalizes it or records the
return in METRC by hand (the refusal says which).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from plugins.base import OutboundReport
from plugins.builtin.metrc.mapping import local_time, number
from plugins.builtin.metrc.responses import field_of

CENT = Decimal("0.01")
# Money on a transaction line that shrinks with its quantity (those METRC's copy carries).
PRORATED = ("TotalAmount", "DiscountAmount", "SalesTax", "ExciseTax", "CityTax", "CountyTax")


def remaining(report: OutboundReport) -> dict[str, Decimal]:
    """What stays sold of each tag on the receipt once this return is in."""
    return {
        tag: Decimal(str(quantity))
        for tag, quantity in (report.payload.get("remaining_by_tag") or {}).items()
    }


def sold_by_tag(receipt: Any) -> dict[str, Decimal]:
    """What METRC's copy of the receipt says was sold, per package tag."""
    sold: dict[str, Decimal] = {}
    for line in field_of(receipt, "Transactions") or []:
        tag = str(field_of(line, "PackageLabel"))
        sold[tag] = sold.get(tag, Decimal(0)) + Decimal(str(field_of(line, "Quantity")))
    return sold


def arrived(report: OutboundReport, receipt: Any) -> bool:
    """Whether METRC's receipt already says what this return wants it to say."""
    wanted = {tag: q for tag, q in remaining(report).items() if q > 0}
    if not wanted:
        return receipt is None or bool(field_of(receipt, "ArchivedDate"))
    if receipt is None:
        return False
    sold = sold_by_tag(receipt)
    return all(sold.get(tag, Decimal(0)) == q for tag, q in wanted.items())


def updated_receipt(report: OutboundReport, receipt: Any) -> dict[str, Any] | None:
    """The ``PUT`` body for ``receipt`` after the return, or None when nothing stays sold."""
    left = remaining(report)
    transactions = []
    for line in field_of(receipt, "Transactions") or []:
        tag = str(field_of(line, "PackageLabel"))
        quantity = Decimal(str(field_of(line, "Quantity")))
        keep = quantity
        if tag in left:  # the returned tag's lines keep, in order, what the customer kept
            keep = min(quantity, left[tag])
            left[tag] -= keep
        if keep <= 0:
            continue
        kept = {
            "PackageLabel": tag,
            "Quantity": number(keep),
            "UnitOfMeasure": field_of(line, "UnitOfMeasure"),
        }
        for name in PRORATED:
            amount = field_of(line, name)
            if amount is not None or name == "TotalAmount":
                amount = Decimal(str(amount or 0))
                kept[name] = number((amount * keep / quantity).quantize(CENT, ROUND_HALF_UP))
        transactions.append(kept)
    if not transactions:
        return None
    sold_at = str(report.payload.get("sale_occurred_at") or report.occurred_at.isoformat())
    return {
        "Id": field_of(receipt, "Id"),
        "SalesDateTime": local_time(datetime.fromisoformat(sold_at), report.timezone),
        "SalesCustomerType": field_of(receipt, "SalesCustomerType"),
        "PatientLicenseNumber": field_of(receipt, "PatientLicenseNumber"),
        "CaregiverLicenseNumber": field_of(receipt, "CaregiverLicenseNumber"),
        "IdentificationMethod": field_of(receipt, "IdentificationMethod"),
        "ExternalReceiptNumber": field_of(receipt, "ExternalReceiptNumber"),
        "Transactions": transactions,
    }
