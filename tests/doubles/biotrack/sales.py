"""What the sale actions do: sale_dispense, sale_refund, sale_void, and sync_sale.

Why this module exists: sales are the bulk of a dispensary's reporting and the part where
getting quantities back right matters most - a dispense decrements, a refund brings back what
came back (never more than was sold), a void restores whatever the refunds did not. Split from
``actions.py`` (inventory, destruction, transfers) to keep both short; the conventions are the
same: check every line first, then apply, callers hold ``state.lock``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from .actions import Fields, Handler, in_range, live, number, owned, written
from .codes import ApiError, ErrorCode
from .records import Sale, SaleEvent, SaleLine
from .state import BioTrackState, World


def sale_dispense(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Decrements each item; an item scheduled for destruction cannot be sold."""
    w, wanted = state.world, defaultdict(Decimal)
    for line in f["lines"]:
        item = live(owned(w, lic, line["barcodeid"]))
        if item.status != "active":
            raise ApiError(ErrorCode.ITEM_NOT_ACTIVE, f"{item.barcodeid} is scheduled")
        wanted[item.barcodeid] += line["quantity"]
        if wanted[item.barcodeid] > item.quantity:
            raise ApiError(
                ErrorCode.INSUFFICIENT_QUANTITY,
                f"{item.barcodeid} has {number(item.quantity)} {item.uom} left",
            )
    tx = state.next_transactionid()
    when = f["sale_time"] or state.unix_now()
    lines = [SaleLine(**line) for line in f["lines"]]
    w.sales[tx] = Sale(tx, lic, f["terminal_id"], when, lines)
    for line in lines:
        item = w.items[line.barcodeid]
        item.quantity -= line.quantity
        item.transactionid = tx
        event = SaleEvent(
            tx, lic, "dispense", tx, f["terminal_id"], when, state.unix_now(),
            line.barcodeid, line.quantity, line.price, line.item_number,
        )  # fmt: skip
        w.sale_events.append(event)
    return written(state, tx)


def _sale(w: World, lic: str, transactionid: int) -> Sale:
    sale = w.sales.get(transactionid)
    if sale is None or sale.license_number != lic:
        raise ApiError(ErrorCode.SALE_NOT_FOUND, f"Sale {transactionid} not found")
    if sale.voided:
        raise ApiError(ErrorCode.SALE_VOIDED, f"Sale {transactionid} has been voided")
    return sale


def _sold(sale: Sale) -> dict[str, Decimal]:
    sold: dict[str, Decimal] = defaultdict(Decimal)
    for line in sale.lines:
        sold[line.barcodeid] += line.quantity
    return sold


def back_before(sale: Sale, barcodeid: str) -> Decimal:
    """How much of ``barcodeid`` earlier refunds of ``sale`` brought back."""
    return sale.refunded.get(barcodeid, Decimal(0))


def sale_refund(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Brings the refunded quantity back; never more than was sold on that sale in total."""
    w = state.world
    sale = _sale(w, lic, f["transactionid"])
    sold, back = _sold(sale), defaultdict(Decimal)
    for line in f["lines"]:
        barcodeid = line["barcodeid"]
        owned(w, lic, barcodeid)
        back[barcodeid] += line["quantity"]
        if back[barcodeid] + back_before(sale, barcodeid) > sold.get(barcodeid, Decimal(0)):
            raise ApiError(
                ErrorCode.REFUND_EXCEEDS_SALE,
                f"Refund of {barcodeid} exceeds what sale {sale.transactionid} sold",
            )
    tx, when = state.next_transactionid(), f["sale_time"] or state.unix_now()
    sale.refunds.append(tx)
    for line in f["lines"]:
        item = w.items[line["barcodeid"]]
        item.quantity += line["quantity"]
        item.transactionid = tx
        sale.refunded[item.barcodeid] = back_before(sale, item.barcodeid) + line["quantity"]
        event = SaleEvent(
            tx, lic, "refund", sale.transactionid, f["terminal_id"], when, state.unix_now(),
            item.barcodeid, line["quantity"], line["price"], line["item_number"],
        )  # fmt: skip
        w.sale_events.append(event)
    return written(state, tx)


def sale_void(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Restores what the sale took that has not already come back by refund."""
    w = state.world
    sale = _sale(w, lic, f["transactionid"])
    tx, now = state.next_transactionid(), state.unix_now()
    for barcodeid, qty in _sold(sale).items():
        restored = qty - back_before(sale, barcodeid)
        item = w.items[barcodeid]
        item.quantity += restored
        item.transactionid = tx
        event = SaleEvent(
            tx, lic, "void", sale.transactionid, sale.terminal_id, sale.sale_time, now,
            barcodeid, restored, None,
        )  # fmt: skip
        w.sale_events.append(event)
    sale.voided, sale.void_transactionid = True, tx
    return written(state, tx)


def sync_sale(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """One row per dispensed, refunded or void-restored line, at its own transactionid:
    transactionid, type (dispense|refund|void), sale_transactionid, terminal_id, sale_time,
    sessiontime, barcodeid, quantity, price (null on void rows), item_number, deleted (1 on
    dispense/refund rows of a voided sale). ``active=1`` drops deleted rows. A void is thus
    visible to a client that syncs only transaction ids above its last one."""
    sales = state.world.sales
    rows = []
    for e in state.world.sale_events:
        deleted = int(e.kind != "void" and sales[e.sale_transactionid].voided)
        if e.license_number != lic or not in_range(e.transactionid, f):
            continue
        if f["active"] and deleted:
            continue
        rows.append(
            {
                "transactionid": e.transactionid,
                "type": e.kind,
                "sale_transactionid": e.sale_transactionid,
                "terminal_id": e.terminal_id,
                "sale_time": e.sale_time,
                "sessiontime": e.sessiontime,
                "barcodeid": e.barcodeid,
                "quantity": number(e.quantity),
                "price": None if e.price is None else number(e.price),
                "item_number": e.item_number,
                "deleted": deleted,
            }
        )
    return {"success": 1, "sale": rows}


SALE_HANDLERS: dict[str, Handler] = {
    "sale_dispense": sale_dispense,
    "sale_refund": sale_refund,
    "sale_void": sale_void,
    "sync_sale": sync_sale,
}
