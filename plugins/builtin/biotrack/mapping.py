"""Our state-agnostic reports as BioTrack serverjson actions: which action, which fields, which
nonce. Pure functions; ``client.py`` does the talking.

Why this module exists: every decision about what BioTrack is told lives here, next to its
reason, so it can be reviewed (and changed per operator through connection settings) without
reading HTTP code:

- One request per report, under one nonce derived from the report itself, so a retry of the same
  report is answered from BioTrack's nonce store instead of applied twice.
- Adjustments send the item's NEW on-hand quantity (what v4 documents [s]): BioTrack's current
  quantity plus our signed delta. Applying our delta to BioTrack's number (rather than sending our
  own on-hand) keeps an existing difference visible to reconciliation instead of hiding it.
- Our reasons map onto BioTrack's six adjustment types; our words go in ``reason``.
- Rooms come from the licence's ``settings["rooms"]`` (our zone name -> BioTrack room id).
- Sales and refunds go in whole units at the price one unit was paid before taxes (``sales.py``
  refuses fractions at the register; a fraction that reaches here is refused, never sent).
- Scheduled destructions carry ``reason_extended``, BioTrack's destruction reason code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from plugins.base import OutboundReport, ReportKind, StateReason
from plugins.builtin.biotrack.inventory import Item, in_state_units

ADJUST_TYPES: Mapping[int, str] = {  # inventory_adjust "type" [c]
    1: "General inventory audit",
    2: "Theft",
    3: "Seizure by federal, state, local or tribal law enforcement",
    4: "Correcting a mistake",
    5: "Moisture loss",
    6: "Depletion",
}
# Our taxonomy -> BioTrack's type. An operator may pin others per licence with
# settings["adjustment_types"] (e.g. count_correction -> 5 where drying flower is the usual
# cause). Nothing of ours means seizure (3) or moisture loss (5) by itself.
REASON_TYPES: Mapping[str, int] = {
    "count_correction": 1,  # a count found a different number: an inventory audit
    "entry_error": 4,  # our books were wrong: correcting a mistake
    "theft": 2,
    # Stock that left usable inventory without a sale: BioTrack calls that depletion; the
    # reason text says which kind.
    "damage": 6,
    "packaging_waste": 6,
    "expired": 6,
    "destruction": 6,
    "sample": 6,
    "qa_testing": 6,
    "other": 1,  # the least specific claim; "other" always carries a note saying what happened
}
REASON_LIMIT = 255  # BioTrack publishes no limit for "reason" [u]; keep it to a common column size
# One suffix per logical request (a report is one request; a destruction has a second step).
SUFFIXES: Mapping[ReportKind, str] = {
    ReportKind.ADJUST: "adj",
    ReportKind.DESTROY: "dst",
    ReportKind.MOVE: "mov",
    ReportKind.SALE: "sale",
    ReportKind.VOID: "void",
    ReportKind.RETURN: "ref",
}
DESTROY_FINISH = "dst2"
CENT = Decimal("0.01")
# inventory_destroy_schedule "reason_extended": the destruction reason code both independent
# clients send beside the free text [s: OpenTHC's adapter, an ERPNext BioTrack app]; the codes
# are theirs: 0 Other, 1 Waste, 2 Unhealthy or Died, 3 Infestation, 4 Product Return,
# 5 Mistake, 6 Spoilage, 7 Quality Control. Pin others with settings["destroy_reasons"].
DESTROY_REASONS: Mapping[str, int] = {
    "destruction": 1,
    "packaging_waste": 1,
    "expired": 6,
    "qa_testing": 7,
    "entry_error": 5,
}
DESTROY_REASON_CODES = range(8)


class Refusal(Exception):
    """We will not send this report as it stands: FAILED, with words for the person who must
    act. Raised before any request, so BioTrack never sees a request it would call invalid."""


def nonce(report: OutboundReport, suffix: str | None = None) -> str:
    """Deterministic per logical request: the same report always sends the same nonce.

    Our external id is unique within one database; the event time (to the microsecond) is added
    so a rebuilt database reusing ids cannot collide with nonces BioTrack stored years ago and
    be answered with someone else's old result.
    """
    stamp = report.occurred_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{report.external_id}.{suffix or SUFFIXES[report.kind]}.{stamp}"


def number(value: Decimal) -> int | float:
    """Quantities and prices as JSON numbers (BioTrack's docs call them decimals [u]); whole
    ones as integers. Our quantities have at most 3 places, so a float carries them exactly
    enough to round-trip."""
    return int(value) if value == value.to_integral_value() else float(value)


def reasons() -> list[StateReason]:
    # BioTrack refuses an adjustment without reason text, whatever the type.
    return [StateReason(name=text, requires_note=True) for text in ADJUST_TYPES.values()]


def adjust_type(ours: str, pinned: Mapping[str, Any]) -> int:
    if ours in pinned:
        try:
            code = int(pinned[ours])
        except (TypeError, ValueError):
            code = 0
        if code not in ADJUST_TYPES:
            raise Refusal(
                f'settings.adjustment_types maps "{ours}" to {pinned[ours]!r};'
                " BioTrack's types are 1 to 6"
            )
        return code
    return REASON_TYPES.get(ours, 1)


def _reason(report: OutboundReport) -> str:
    default = "destruction" if report.kind == ReportKind.DESTROY else "other"
    return str(report.payload.get("reason") or default)


def reason_text(report: OutboundReport) -> str:
    """Our external id first (findable at BioTrack), then our reason and note."""
    p = report.payload
    text = f"{report.external_id} {_reason(report)}"
    if p.get("note"):
        text += f": {p['note']}"
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def delta_in_state_units(report: OutboundReport, item: Item) -> Decimal:
    p = report.payload
    delta = in_state_units(Decimal(str(p["quantity"])), str(p["unit"]), item.uom)
    if delta is None:
        raise Refusal(
            f"{item.barcodeid} is counted in {item.uom!r} at BioTrack but in {p['unit']} here;"
            " adjust it at BioTrack by hand, then cancel this report"
        )
    return delta


def new_quantity(report: OutboundReport, item: Item) -> Decimal:
    after = item.quantity + delta_in_state_units(report, item)
    if after < 0:
        raise Refusal(
            f"BioTrack shows {item.quantity} {item.uom} of {item.barcodeid}; this change of"
            f" {report.payload['quantity']} {report.payload['unit']} would take it below zero."
            " Reconcile the package, then retry or cancel the report"
        )
    return after


def adjust_fields(report: OutboundReport, item: Item, pinned: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "data": [
            {
                "barcodeid": item.barcodeid,
                "quantity": number(new_quantity(report, item)),
                "quantity_uom": item.uom,
                "type": adjust_type(_reason(report), pinned),
                "reason": reason_text(report),
            }
        ]
    }


def schedule_fields(report: OutboundReport, pinned: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "barcodeid": [str(report.payload["tag"])],
        "reason_extended": destroy_reason(_reason(report), pinned),
        "reason": reason_text(report),
    }


def destroy_reason(ours: str, pinned: Mapping[str, Any]) -> int:
    """Our reason as BioTrack's destruction code; anything unlisted is 0 "Other" (the text
    beside it says what happened)."""
    if ours not in pinned:
        return DESTROY_REASONS.get(ours, 0)
    try:
        code = int(pinned[ours])
    except (TypeError, ValueError):
        code = -1
    if code not in DESTROY_REASON_CODES:
        raise Refusal(
            f'settings.destroy_reasons maps "{ours}" to {pinned[ours]!r};'
            " BioTrack's destruction reasons are 0 to 7"
        )
    return code


def move_fields(report: OutboundReport, rooms: Mapping[str, Any]) -> dict[str, Any] | None:
    """inventory_move of the barcode to the destination zone's room; None when both zones are
    the same BioTrack room (nothing to tell it, e.g. a reservation shelf on the sales floor)."""
    p = report.payload
    to_room = _room(p.get("to_zone"), rooms)
    if to_room is None:
        raise Refusal(
            f'zone "{p.get("to_zone")}" has no BioTrack room: add it to this licence\'s'
            ' connection settings under "rooms" (zone name -> BioTrack room id), then retry'
        )
    if _room(p.get("from_zone"), rooms) == to_room:
        return None
    return {"data": [{"barcodeid": str(p["tag"]), "room": to_room}]}


def _room(zone: Any, rooms: Mapping[str, Any]) -> int | None:
    value = rooms.get(str(zone)) if zone is not None else None
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Refusal(f'settings.rooms maps "{zone}" to {value!r}, not a room id') from None


def dispense_fields(report: OutboundReport, terminal: str) -> dict[str, Any]:
    return {
        "terminal_id": terminal,
        "sale_time": int(report.occurred_at.timestamp()),
        "data": [_sale_line(line, refund=False) for line in report.payload["lines"]],
    }


def refund_fields(report: OutboundReport, sale: int, terminal: str) -> dict[str, Any]:
    return {
        "transactionid": sale,
        "terminal_id": terminal,
        "sale_time": int(report.occurred_at.timestamp()),
        "data": [_sale_line(line, refund=True) for line in report.payload["lines"]],
    }


def related_sale(report: OutboundReport) -> int:
    """The BioTrack transaction id of the sale a void or return refers to."""
    related = report.payload.get("related_external_id")
    if not related:
        raise Refusal(f"this {report.kind.value} names no sale; BioTrack needs the original sale")
    for state_id in report.related_state_ids:
        if str(state_id).isdigit():
            return int(state_id)
    raise Refusal(
        f"sale {related} was never accepted by BioTrack, so there is nothing to"
        f" {'void' if report.kind == ReportKind.VOID else 'refund'}; resolve that sale first"
    )


def whole_units(quantity: Decimal) -> bool:
    """BioTrack v4 dispenses and refunds an integer count [s: v4 manual "integer value";
    OpenTHC's POS sends ``intval(unit_count)``]: 1.5 of anything cannot be told to it."""
    return quantity == quantity.to_integral_value()


def _sale_line(line: Mapping[str, Any], *, refund: bool) -> dict[str, Any]:
    """``price`` is what one unit was paid before taxes (the manual: "price paid before any
    applicable taxes"; OpenTHC's POS sends the unit price): the line's amount after discount
    over its quantity, to the cent. Refunds carry it negative (manual)."""
    quantity = Decimal(str(line["quantity"]))
    if not whole_units(quantity):
        raise Refusal(
            f"{line.get('tag')}: BioTrack records whole units only, not {quantity}; record the"
            " change at BioTrack by hand, then cancel this report"
        )
    price = _unit_price(line, quantity)
    return {
        "barcodeid": str(line["tag"]),
        "quantity": int(quantity),
        "price": number(-abs(price) if refund else price),
    }


def _unit_price(line: Mapping[str, Any], quantity: Decimal) -> Decimal:
    try:
        if line.get("total_amount") is not None:
            paid = Decimal(str(line["total_amount"])) / quantity
            return paid.quantize(CENT, rounding=ROUND_HALF_UP)
        if line.get("unit_price") is not None:
            return Decimal(str(line["unit_price"])).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ZeroDivisionError):
        pass
    raise Refusal(f"the line for {line.get('tag')} carries no price; BioTrack requires one")
