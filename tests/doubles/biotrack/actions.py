"""What the inventory actions do to the double's world, and what they answer.

Why this module exists: ``validation.py`` says whether a request is well formed; this module
says whether it is allowed *now* (the item exists under this license, there is enough of it, the
destruction hold has elapsed...) and then applies it. Every handler checks all of its lines
before changing anything, so a refused request leaves no trace. Callers hold ``state.lock``.
Sales live in ``sales.py``; both share the helpers defined here.

Every successful write takes one new transaction id and answers
``{"success": 1, "transactionid": N, "sessiontime": unix}`` (the shape public client code shows
for BioTrack writes [s]). Read actions answer ``{"success": 1, <table>: [rows]}`` - sync_* keyed
by table name as public clients read them (``inventory``, ``sale``) [s]; the row fields beyond
those public clients use are the double's choice [u] and listed in each function.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .codes import ApiError, ErrorCode
from .records import (
    Adjustment,
    DestroySchedule,
    Destruction,
    Item,
    Move,
)
from .state import DEFAULT_ROOM, BioTrackState, World

Fields = dict[str, Any]
Handler = Callable[[BioTrackState, str, Fields], dict[str, Any]]


def number(value: Decimal) -> int | float:
    """Decimals leave the double as JSON numbers (integral ones as integers) [u]."""
    return int(value) if value == value.to_integral_value() else float(value)


def written(state: BioTrackState, tx: int) -> dict[str, Any]:
    return {"success": 1, "transactionid": tx, "sessiontime": state.unix_now()}


def owned(w: World, license_number: str, barcodeid: str) -> Item:
    item = w.items.get(barcodeid)
    if item is None or item.license_number != license_number:
        raise ApiError(ErrorCode.ITEM_NOT_FOUND, f"Inventory item {barcodeid} not found")
    return item


def live(item: Item) -> Item:
    if item.status == "destroyed":
        raise ApiError(ErrorCode.ITEM_NOT_ACTIVE, f"Inventory item {item.barcodeid} is destroyed")
    return item


def _stamp(iso: datetime) -> str:
    return iso.isoformat(timespec="seconds")


# -- inventory -------------------------------------------------------------------------------


def inventory_adjust(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """``quantity`` is the new on-hand quantity (config ``adjust_quantity_semantics``
    "absolute", per the v4 docs) or an amount to remove ("remove"); ``remove_quantity`` is
    always an amount to remove. The item's unit must match; nothing is converted."""
    w, plan, running = state.world, [], {}
    absolute = state.config.adjust_quantity_semantics == "absolute"
    for line in f["lines"]:
        item = live(owned(w, lic, line["barcodeid"]))
        if line["uom"] != item.uom:
            raise ApiError(
                ErrorCode.UOM_MISMATCH,
                f"{item.barcodeid} is counted in {item.uom}, not {line['uom']}",
            )
        before = running.get(item.barcodeid, item.quantity)
        removes = line["sent_as"] == "remove_quantity" or not absolute
        after = before - line["quantity"] if removes else line["quantity"]
        if after < 0:
            raise ApiError(
                ErrorCode.INSUFFICIENT_QUANTITY,
                f"{item.barcodeid} has {number(before)} {item.uom}; cannot remove more",
            )
        running[item.barcodeid] = after
        plan.append((item, line, before, after))
    tx = state.next_transactionid()
    for item, line, before, after in plan:
        item.quantity, item.transactionid = after, tx
        adjustment = Adjustment(
            tx, lic, item.barcodeid, line["type"], line["reason"], before, after,
            item.uom, line["sent_as"], state.now(),
        )  # fmt: skip
        w.adjustments.append(adjustment)
    return written(state, tx)


def inventory_move(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    w, plan = state.world, []
    for line in f["lines"]:
        item = live(owned(w, lic, line["barcodeid"]))
        if (lic, line["room"]) not in w.rooms:
            raise ApiError(ErrorCode.ROOM_NOT_FOUND, f"Room {line['room']} not found")
        plan.append((item, line["room"]))
    tx = state.next_transactionid()
    for item, room in plan:
        w.moves.append(Move(tx, lic, item.barcodeid, item.room, room, state.now()))
        item.room, item.transactionid = room, tx
    return written(state, tx)


def inventory_destroy_schedule(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Starts the hold (config ``destroy_hold``). ``override=1`` skips items already
    scheduled instead of failing, as the v4 docs describe."""
    w, plan = state.world, []
    for barcodeid in f["barcodeids"]:
        item = live(owned(w, lic, barcodeid))
        if item.status == "scheduled":
            if f["override"]:
                continue
            raise ApiError(ErrorCode.ALREADY_SCHEDULED, f"{barcodeid} is already scheduled")
        plan.append(item)
    tx, now = state.next_transactionid(), state.now()
    for item in plan:
        item.status, item.transactionid = "scheduled", tx
        w.schedules[item.barcodeid] = DestroySchedule(
            tx, lic, item.barcodeid, f["reason"], f["reason_extended"], now,
            now + state.config.destroy_hold,
        )  # fmt: skip
    return written(state, tx)


def inventory_destroy(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Only after a schedule whose hold has elapsed; the item drops to 0 and is destroyed.
    ``override=1`` skips items already destroyed."""
    w, plan, now = state.world, [], state.now()
    for barcodeid in f["barcodeids"]:
        item = owned(w, lic, barcodeid)
        if item.status == "destroyed":
            if f["override"]:
                continue
            live(item)
        schedule = w.schedules.get(barcodeid)
        if item.status != "scheduled" or schedule is None:
            raise ApiError(
                ErrorCode.NOT_SCHEDULED, f"{barcodeid} has not been scheduled for destruction"
            )
        if now < schedule.eligible_at:
            raise ApiError(
                ErrorCode.HOLD_NOT_ELAPSED,
                f"{barcodeid} may not be destroyed before {_stamp(schedule.eligible_at)}",
            )
        plan.append(item)
    tx = state.next_transactionid()
    for item in plan:
        w.destructions.append(
            Destruction(tx, lic, item.barcodeid, item.quantity, item.uom, f["reason"], now)
        )
        item.quantity, item.status, item.transactionid = Decimal(0), "destroyed", tx
    return written(state, tx)


# -- transfers and sync ----------------------------------------------------------------------


def inventory_transfer_inbound(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Receives items of pending manifests addressed to this license. ``location`` may be our
    license or the sender's (public client notes disagree [u]). Received items keep their
    barcode and land in room 1 (or the license's lowest room)."""
    w = state.world
    mine = [m for m in w.manifests.values() if m.receiver_license == lic]
    if f["location"] != lic and f["location"] not in {m.sender_license for m in mine}:
        raise ApiError(ErrorCode.INVALID_LOCATION)
    plan, taken = [], set()
    for line in f["lines"]:
        found = next(
            (
                (m, i)
                for m in mine
                for i in m.items
                if i.barcodeid == line["barcodeid"]
                and i.received_transactionid is None
                and i.barcodeid not in taken
            ),
            None,
        )
        if found is None:
            raise ApiError(ErrorCode.MANIFEST_ITEM_NOT_FOUND)
        if found[1].uom != line["uom"]:
            raise ApiError(ErrorCode.UOM_MISMATCH, f"{line['barcodeid']} is in {found[1].uom}")
        taken.add(line["barcodeid"])
        plan.append((found[1], line["quantity"]))
    rooms = sorted(r for (owner, r) in w.rooms if owner == lic)
    room = DEFAULT_ROOM if DEFAULT_ROOM in rooms or not rooms else rooms[0]
    tx = state.next_transactionid()
    for entry, qty in plan:
        entry.received_quantity, entry.received_transactionid = qty, tx
        w.items[entry.barcodeid] = Item(
            entry.barcodeid, lic, qty, entry.uom, room, entry.product_name, entry.strain,
            entry.inventory_type, "active", tx,
        )  # fmt: skip
    return written(state, tx)


def inventory_manifest_lookup(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """``{"success": 1, "data": [{"manifest_id", "sender_license", "stop_number",
    "created_time", "items": [{"barcodeid", "quantity", "uom", "product_name", "strain",
    "inventorytype"}]}]}`` - pending manifests and their unreceived items [u]."""
    if f["location"] != lic:
        raise ApiError(ErrorCode.INVALID_LOCATION)
    data = [
        {
            "manifest_id": m.manifest_id,
            "sender_license": m.sender_license,
            "stop_number": m.stop_number,
            "created_time": int(m.created_at.timestamp()),
            "items": [
                {
                    "barcodeid": i.barcodeid,
                    "quantity": number(i.quantity),
                    "uom": i.uom,
                    "product_name": i.product_name,
                    "strain": i.strain,
                    "inventorytype": i.inventory_type,
                }
                for i in m.items
                if i.received_transactionid is None
            ],
        }
        for m in state.world.manifests.values()
        if m.receiver_license == lic and m.pending
    ]
    return {"success": 1, "data": data}


def in_range(tx: int, f: Fields) -> bool:
    return (f["start"] is None or tx >= f["start"]) and (f["end"] is None or tx <= f["end"])


def sync_inventory(state: BioTrackState, lic: str, f: Fields) -> dict[str, Any]:
    """Rows as public clients and OpenTHC's mock show them [s]: id, transactionid,
    remaining_quantity, currentroom, productname, strain, inventorytype, deleted (destroyed),
    inventorystatus and inventorystatustime. No unit (items are counted in their own unit,
    which a row does not name) and no barcodeid. inventorystatus codes are not public [u]: the
    double says 1 for "scheduled for destruction", null otherwise. ``active=1`` drops destroyed
    items. Range is inclusive on the item's last transaction id."""
    schedules = state.world.schedules
    rows = [
        {
            "id": i.barcodeid,
            "transactionid": i.transactionid,
            "remaining_quantity": number(i.quantity),
            "currentroom": i.room,
            "productname": i.product_name,
            "strain": i.strain,
            "inventorytype": i.inventory_type,
            "deleted": int(i.status == "destroyed"),
            "inventorystatus": 1 if i.status == "scheduled" else None,
            "inventorystatustime": int(schedules[i.barcodeid].scheduled_at.timestamp())
            if i.status == "scheduled" and i.barcodeid in schedules
            else None,
        }
        for i in state.world.items.values()
        if i.license_number == lic
        and in_range(i.transactionid, f)
        and not (f["active"] and i.status == "destroyed")
    ]
    return {"success": 1, "inventory": sorted(rows, key=lambda r: r["transactionid"])}


INVENTORY_HANDLERS: dict[str, Handler] = {
    "inventory_adjust": inventory_adjust,
    "inventory_move": inventory_move,
    "inventory_destroy_schedule": inventory_destroy_schedule,
    "inventory_destroy": inventory_destroy,
    "inventory_transfer_inbound": inventory_transfer_inbound,
    "inventory_manifest_lookup": inventory_manifest_lookup,
    "sync_inventory": sync_inventory,
}
