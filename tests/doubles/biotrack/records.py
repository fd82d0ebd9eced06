"""Plain records of the BioTrack double's world, and the switches for behaviour we are unsure of.

Why this module exists: ``state.py`` (the locked store), ``actions.py`` (what each API action
does) and the tests all speak about the same things - licenses, sessions, inventory items,
sales, destruction schedules, manifests, stored nonces. Keeping the shapes here, free of logic,
lets each of those modules stay small.

``DoubleConfig`` gathers every [u] (unconfirmed) behaviour as a switch so a test can flip it:
``handle.state.config.duplicate_nonce = "reject"``. Defaults follow our reference notes first,
then BioTrack's public v4 documentation as transcribed in public client code [s].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

UNITS = frozenset({"g", "mg", "kg", "oz", "lb", "each"})  # v4 docs' quantity_uom values [s]
ADJUST_TYPES = {  # inventory_adjust "type" [c]
    1: "General inventory audit",
    2: "Theft",
    3: "Seizure by federal, state, local or tribal law enforcement",
    4: "Correcting a mistake",
    5: "Moisture loss",
    6: "Depletion",
}
# inventory_destroy_schedule "reason_extended" codes, as public clients list them [s]
DESTROY_REASONS = {
    0: "Other",
    1: "Waste",
    2: "Unhealthy or Died",
    3: "Infestation",
    4: "Product Return",
    5: "Mistake",
    6: "Spoilage",
    7: "Quality Control",
}

DuplicateNonce = Literal["replay", "reject", "apply"]
AdjustSemantics = Literal["absolute", "remove"]
QuantityEncoding = Literal["any", "number", "string"]
ItemStatus = Literal["active", "scheduled", "destroyed"]


@dataclass
class DoubleConfig:
    """Switches for [u] behaviour. Change them between requests; the server reads them live."""

    # Sessions live this long after login [u]; tests usually force expiry instead.
    session_ttl: timedelta = timedelta(hours=1)
    # inventory_destroy is refused until this long after inventory_destroy_schedule [u]; the v4
    # docs give 72 h for plants and point inventory at the same rule.
    destroy_hold: timedelta = timedelta(hours=72)
    # A write repeating a stored nonce: "replay" answers the stored response without applying
    # (our model), "reject" answers DUPLICATE_NONCE, "apply" applies again and overwrites the
    # stored response (a literal reading of the v4 docs: "will only return the last result").
    duplicate_nonce: DuplicateNonce = "replay"
    # Our notes say every request carries a nonce [c]; the v4 docs say nonces on reads are
    # "silently ignored". False accepts reads (login, lookups, sync_*) without one.
    require_nonce_on_reads: bool = True
    # inventory_adjust "quantity": "absolute" = the new on-hand quantity (v4 docs [s]: "new
    # quantity to adjust to"); "remove" = the amount to take away. "remove_quantity", when sent,
    # is always an amount to take away (docs: it is looked at first).
    adjust_quantity_semantics: AdjustSemantics = "absolute"
    # Accepted JSON encodings of quantities and prices; every request records what it used.
    quantity_encoding: QuantityEncoding = "any"
    # sale_dispense/sale_refund: our notes list terminal_id [c]; the v4 docs do not.
    require_terminal_id: bool = True
    # v4 docs: dispensed and refunded quantities are integers ("units will be assumed to be
    # each"); False accepts decimals, for a server more lenient than its manual.
    sale_quantity_integer_only: bool = True
    # v4 docs: a refund line's price is "negative decimal value" [s].
    refund_price_must_be_negative: bool = True
    # "training" absent is accepted unless this is set; present, it must be 0 or 1.
    require_training_flag: bool = False
    # nonce_replay for a nonce with no stored result: the v4 docs only say it "would simply
    # return a not found error" [s]; code and wording are not public, so tests may vary them.
    nonce_not_found_code: int = 908
    nonce_not_found_message: str = "Nonce {nonce!r} not found"
    # Content-Type of answers. The header-leak bug leaked "Content-Type: text/plain" into bodies
    # (OpenTHC strips exactly that string [s]), so the real server likely labels JSON text/plain.
    response_content_type: str = "text/plain; charset=utf-8"


@dataclass
class License:
    license_number: str
    name: str
    users: dict[str, str] = field(default_factory=dict)  # username -> password


@dataclass
class Session:
    sessionid: str
    license_number: str
    username: str
    created_at: datetime
    expires_at: datetime
    forced_expired: bool = False

    def expired(self, now: datetime) -> bool:
        return self.forced_expired or now >= self.expires_at


@dataclass
class Room:
    license_number: str
    room_id: int
    name: str
    quarantine: bool = False


@dataclass
class Item:
    """One inventory item (a BioTrack barcode) owned by one license."""

    barcodeid: str
    license_number: str
    quantity: Decimal
    uom: str
    room: int
    product_name: str = ""
    strain: str = ""
    inventory_type: int = 28  # 28 = usable marijuana in BioTrack's type list
    status: ItemStatus = "active"
    transactionid: int = 0  # last transaction that touched it (sync_inventory ranges)


@dataclass
class Move:
    transactionid: int
    license_number: str
    barcodeid: str
    from_room: int
    to_room: int
    at: datetime


@dataclass
class SaleLine:
    barcodeid: str
    quantity: Decimal
    price: Decimal
    item_number: int | None = None


@dataclass
class Sale:
    transactionid: int
    license_number: str
    terminal_id: str | None
    sale_time: int
    lines: list[SaleLine]
    voided: bool = False
    void_transactionid: int | None = None
    refunds: list[int] = field(default_factory=list)  # refund transaction ids
    refunded: dict[str, Decimal] = field(default_factory=dict)  # barcodeid -> quantity back


@dataclass
class SaleEvent:
    """One row of the sale table as sync_sale reports it [u]."""

    transactionid: int
    license_number: str
    kind: Literal["dispense", "refund", "void"]
    sale_transactionid: int  # the dispense it belongs to (itself for a dispense)
    terminal_id: str | None
    sale_time: int
    sessiontime: int
    barcodeid: str
    quantity: Decimal
    price: Decimal | None  # None on void rows
    item_number: int | None = None


@dataclass
class Adjustment:
    transactionid: int
    license_number: str
    barcodeid: str
    type: int
    reason: str
    before: Decimal
    after: Decimal
    uom: str
    sent_as: Literal["quantity", "remove_quantity"]
    at: datetime

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


@dataclass
class DestroySchedule:
    transactionid: int
    license_number: str
    barcodeid: str
    reason: str
    reason_extended: Any
    scheduled_at: datetime
    eligible_at: datetime


@dataclass
class Destruction:
    transactionid: int
    license_number: str
    barcodeid: str
    quantity: Decimal
    uom: str
    reason: str | None
    at: datetime


@dataclass
class ManifestItem:
    barcodeid: str
    quantity: Decimal
    uom: str = "g"
    product_name: str = ""
    strain: str = ""
    inventory_type: int = 28
    received_quantity: Decimal | None = None
    received_transactionid: int | None = None


@dataclass
class Manifest:
    manifest_id: str
    receiver_license: str
    sender_license: str
    items: list[ManifestItem]
    created_at: datetime
    stop_number: int = 1

    @property
    def pending(self) -> bool:
        return any(i.received_transactionid is None for i in self.items)


@dataclass
class StoredNonce:
    license_number: str
    nonce: str
    action: str
    response: dict[str, Any]
    at: datetime
    fingerprint: str = ""  # the request minus sessionid and nonce, to spot a reused nonce
    times_seen: int = 1
