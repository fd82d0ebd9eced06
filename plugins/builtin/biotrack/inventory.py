"""BioTrack's inventory as this client reads it: ``sync_inventory`` rows, units, packages.

Why this module exists: BioTrack's ``inventory_adjust`` takes the item's NEW on-hand quantity,
so adjusting by our delta needs the current quantity first, and BioTrack has no per-barcode
lookup in serverjson v4 - the only read is ``sync_inventory``, optionally limited to a range of
transaction ids. So the client keeps one ``Inventory`` per conversation: the first read fetches
the licence's active items, later reads only ask for transaction ids above the highest seen
(every change to an item gives it a new transaction id [s], our own writes included), so a run
of adjustments costs one full read and then small ones.

The same rows become ``StatePackage``s for reconciliation. BioTrack offers no time windows, so a
pull is always the whole licence (destroyed items included, so the mirror learns they are gone).

What a row carries: public clients and data dumps show ``id``, ``remaining_quantity``,
``inventorytype``, ``currentroom``, ``deleted``, ``inventorystatus`` (+ ``inventorystatustime``),
``transactionid``... but no unit [s]. So an item's unit is taken from our own package (the
report's ``unit``: the package was received and is counted in the unit BioTrack counts it in);
a ``uom`` column is still honoured if a server sends one. ``inventorystatus``' codes are not
public [u]: any status other than empty/0 is read as "not plainly active" (on hold), so
reconciliation shows it to a person instead of calling the item sellable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from plugins.base import StatePackage
from plugins.builtin.biotrack.session import Session

# Our unit name -> BioTrack's quantity_uom, and back (reconciliation compares unit names).
UNITS = {"grams": "g", "milligrams": "mg", "each": "each"}
OUR_UNITS = {theirs: ours for ours, theirs in UNITS.items()}
# Exact conversions only; oz and lb items are refused rather than rounded.
_METRIC = {"mg": Decimal("0.001"), "g": Decimal(1), "kg": Decimal(1000)}


@dataclass(frozen=True)
class Item:
    """One BioTrack inventory item (a barcode) as ``sync_inventory`` shows it."""

    barcodeid: str
    quantity: Decimal
    uom: str  # "" when BioTrack's row names no unit (the usual case): see ``counted_in``
    transactionid: int = 0
    room: int | None = None
    deleted: bool = False
    held: bool = False  # scheduled for destruction, or another inventorystatus
    name: str | None = None
    uom_assumed: bool = False  # the unit is our package's, not one BioTrack sent

    def counted_in(self, our_unit: str) -> Item:
        """The item with a unit: BioTrack's when its row named one, else our package's."""
        if self.uom:
            return self
        return replace(self, uom=UNITS.get(our_unit, our_unit), uom_assumed=True)

    def snapshot(self) -> dict[str, Any]:
        """What ``prepare`` stores (JSON) and ``send`` reads back on the same attempt."""
        shown: dict[str, Any] = {
            "quantity": str(self.quantity),
            "uom": self.uom,
            "transactionid": self.transactionid,
        }
        if self.uom_assumed:
            shown["uom_from"] = "leafledger"  # BioTrack's row named no unit
        return shown


def item_of(row: dict[str, Any]) -> Item | None:
    barcode = row.get("barcodeid") or row.get("id")
    if not barcode:
        return None
    room = row.get("currentroom")
    return Item(
        barcodeid=str(barcode),
        quantity=_decimal(row.get("remaining_quantity")),
        uom=str(row.get("uom") or ""),
        transactionid=_int(row.get("transactionid")),
        room=_int(room) if room is not None else None,
        deleted=bool(_int(row.get("deleted"))),
        held=bool(_int(row.get("destroy_scheduled"))) or _status_set(row.get("inventorystatus")),
        name=str(row.get("productname") or "") or None,
    )


def _status_set(value: Any) -> bool:
    """``inventorystatus`` other than null/empty/0 (its codes are not public [u])."""
    return value is not None and str(value).strip() not in ("", "0")


def state_package(item: Item) -> StatePackage:
    """Destroyed or empty items are finished; items awaiting destruction (or with any other
    inventory status) are on hold: they cannot be sold, and still count until destroyed. A row
    without a unit leaves ``unit`` empty, which reconciliation reads as "not stated"."""
    if item.deleted or item.quantity <= 0:
        status = "finished"
    elif item.held:
        status = "on_hold"
    else:
        status = "active"
    return StatePackage(
        tag=item.barcodeid,
        quantity=item.quantity,
        unit=OUR_UNITS.get(item.uom, item.uom),
        status=status,
        item_name=item.name,
        last_modified=None,  # sync_inventory carries no timestamp
    )


def in_state_units(quantity: Decimal, our_unit: str, uom: str) -> Decimal | None:
    """``quantity`` of our ``our_unit`` in BioTrack's ``uom``; None when not convertible."""
    theirs = UNITS.get(our_unit, our_unit)
    if theirs == uom:
        return quantity
    if theirs in _METRIC and uom in _METRIC:
        return quantity * _METRIC[theirs] / _METRIC[uom]
    return None


class Inventory:
    """The licence's items, read once in full and then by transaction-id increments."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._items: dict[str, Item] = {}
        self._last: int | None = None

    async def current(self, barcodeid: str) -> Item | None:
        """The item as BioTrack shows it now (None: not under this licence)."""
        if self._last is None:
            rows = await self._rows({"active": 1})
        else:
            rows = await self._rows({"transaction_start": self._last + 1})
        for item in rows:
            self._items[item.barcodeid] = item
        self._last = max([self._last or 0, *(i.transactionid for i in rows)])
        return self._items.get(barcodeid)

    async def everything(self) -> list[Item]:
        """Every item of the licence, destroyed ones included."""
        return await self._rows({})

    async def _rows(self, fields: dict[str, Any]) -> list[Item]:
        answer = await self._session.call("sync_inventory", fields)
        rows = answer.get("inventory") or []
        items = [item_of(r) for r in rows if isinstance(r, dict)]
        return [i for i in items if i is not None]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
