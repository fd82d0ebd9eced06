"""A customer return as METRC hears it: the sale's receipt, updated to what stays sold.

METRC has no return receipt. Its published API updates a receipt (``PUT /sales/v2/receipts``:
the old version's quantities go back to the packages, the new version's are taken) and voids
one (``DELETE``). So a return is sent as the receipt with each returned tag's quantity brought
down to what the customer kept, or as a void when they kept nothing at all. Our report says the
absolute quantities, never "minus 2 g", so sending it twice leaves METRC as sending it once.

An update replaces the receipt, so it is rebuilt from what we posted for the sale (our outbox's
sale report), not from METRC's copy: METRC's answer carries only some transaction fields, and a
PUT built from it would drop the discount and taxes. Every money field of a kept line is
pro-rated to the quantity kept. METRC's copy is only read to check that it is the receipt we
posted (same packages, at least what the customer kept) and whether the return is already in.
A finalized receipt cannot be updated: METRC refuses, and a person unfinalizes it or records the
return in METRC by hand (the refusal says which).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from plugins.base import OutboundReport
from plugins.builtin.metrc.mapping import number, receipt_of
from plugins.builtin.metrc.responses import field_of

CENT = Decimal("0.01")
# Money on a transaction line that shrinks with its quantity (METRC's documented line fields;
# ``Price`` is per unit and stays).
PRORATED = (
    "TotalAmount",
    "SubTotal",
    "DiscountAmount",
    "SalesTax",
    "ExciseTax",
    "CityTax",
    "CountyTax",
    "MunicipalTax",
)


def remaining(report: OutboundReport) -> dict[str, Decimal]:
    """What stays sold of each tag on the receipt once this return is in."""
    return {
        tag: Decimal(str(quantity))
        for tag, quantity in (report.payload.get("remaining_by_tag") or {}).items()
    }


def returned_tags(report: OutboundReport) -> set[str]:
    return {str(line["tag"]) for line in report.payload.get("lines") or []}


def sold_by_tag(receipt: Any) -> dict[str, Decimal] | None:
    """What METRC's copy of the receipt says was sold, per package tag (None: unreadable)."""
    lines = field_of(receipt, "Transactions")
    if not isinstance(lines, list):
        return None
    sold: dict[str, Decimal] = {}
    for line in lines:
        tag, quantity = field_of(line, "PackageLabel"), field_of(line, "Quantity")
        if not isinstance(tag, str) or isinstance(quantity, bool):
            return None
        try:
            amount = Decimal(str(quantity))
        except InvalidOperation:
            return None
        if not amount.is_finite():
            return None
        sold[tag] = sold.get(tag, Decimal(0)) + amount
    return sold


def archived(receipt: Any) -> bool:
    return bool(field_of(receipt, "ArchivedDate"))


def arrived(report: OutboundReport, receipt: Any) -> bool:
    """Whether METRC's receipt already says exactly what this return wants it to say."""
    wanted = {tag: q for tag, q in remaining(report).items() if q > 0}
    if not wanted:
        return archived(receipt)
    if archived(receipt):
        return False
    sold = sold_by_tag(receipt)
    return sold is not None and {t: q for t, q in sold.items() if q != 0} == wanted


def mismatch(report: OutboundReport, receipt: Any) -> str | None:
    """Why METRC's copy cannot be updated to this return (None: it can).

    A receipt whose lines cannot be read is not updated: a PUT replaces every line, so a return
    must see the lines it returns at METRC before it changes them.
    """
    sold = sold_by_tag(receipt)
    if not sold:
        return "METRC's copy of the receipt shows no readable transactions"
    left = remaining(report)
    foreign = sorted(set(sold) - set(left))
    if foreign:
        return f"METRC's receipt lists packages our sale does not: {', '.join(foreign)}"
    missing = sorted(tag for tag in returned_tags(report) if sold.get(tag, Decimal(0)) <= 0)
    if missing:
        return f"METRC's receipt does not list the returned packages {', '.join(missing)}"
    short = sorted(tag for tag, q in left.items() if sold.get(tag, Decimal(0)) < q)
    if short:
        return f"METRC's receipt shows less sold than the customer kept of {', '.join(short)}"
    return None


def updated_receipt(report: OutboundReport, receipt_id: int) -> dict[str, Any] | None:
    """The ``PUT`` row for the sale's receipt after the return, or None when nothing stays sold.

    The row is the sale's own POST row (every field it carried) with ``Id`` added, each line
    brought down to what the customer kept (in line order) and its money pro-rated.
    """
    sale = report.related
    if sale is None:
        raise ValueError("a return needs its sale's report")
    posted = receipt_of(sale.external_id, sale.occurred_at, report.timezone, sale.payload)
    left = remaining(report)
    transactions = []
    for line in posted["Transactions"]:
        tag = str(line["PackageLabel"])
        quantity = Decimal(str(line["Quantity"]))
        keep = min(quantity, left.get(tag, quantity))
        if tag in left:  # the tag's lines keep, in order, what the customer kept
            left[tag] -= keep
        if keep <= 0:
            continue
        kept = {**line, "Quantity": number(keep)}
        for name in PRORATED:
            if line.get(name) is not None:
                amount = Decimal(str(line[name])) * keep / quantity
                kept[name] = number(amount.quantize(CENT, ROUND_HALF_UP))
        transactions.append(kept)
    if not transactions:
        return None
    return {"Id": receipt_id, **posted, "Transactions": transactions}
