"""The BioTrack double's in-memory world, shared by the server thread and the test thread.

Why this module exists: tests seed it (a license with a user, inventory items, an inbound
manifest), the double's request handlers change it from the uvicorn thread, and tests then
assert on it ("the item lost 2 units", "one sale, voided"). Everything goes through one
re-entrant lock; reads hand out deep copies so a test never races the server.

The clock is the wall clock plus an offset tests can move (``advance_clock``) so session expiry
and the destruction hold period can be crossed without sleeping. ``set_quantity`` changes an
item without any API call, to simulate an edit made at the state by its staff or another
integrator; like every change it takes a new transaction id so sync_inventory reports it.
"""

from __future__ import annotations

import copy
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from .codes import ApiError, ErrorCode
from .records import (
    Adjustment,
    DestroySchedule,
    Destruction,
    DoubleConfig,
    Item,
    License,
    Manifest,
    ManifestItem,
    Move,
    Room,
    Sale,
    SaleEvent,
    Session,
    StoredNonce,
)

T = TypeVar("T")

DEFAULT_LICENSE = "412345"
DEFAULT_USERNAME = "leafledger@example.com"
DEFAULT_PASSWORD = "correct horse battery staple"
DEFAULT_ROOM = 1
DEFAULT_SENDER_LICENSE = "498765"


@dataclass
class World:
    """Raw containers. Only ``actions.py`` and this module touch them, always under the lock."""

    licenses: dict[str, License] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    rooms: dict[tuple[str, int], Room] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)  # barcodes are global in BioTrack
    sales: dict[int, Sale] = field(default_factory=dict)
    sale_events: list[SaleEvent] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    schedules: dict[str, DestroySchedule] = field(default_factory=dict)
    destructions: list[Destruction] = field(default_factory=list)
    manifests: dict[str, Manifest] = field(default_factory=dict)
    nonces: dict[tuple[str, str], StoredNonce] = field(default_factory=dict)
    last_transactionid: int = 0
    last_manifest: int = 0


def _owned(record: Any, license_number: str | None) -> bool:
    return license_number is None or record.license_number == license_number


def _check_barcode(barcodeid: str) -> None:
    if len(barcodeid) != 16 or not barcodeid.isdigit():
        raise ValueError(f"BioTrack barcodes are 16 digits, not {barcodeid!r}")


def _dec(value: Decimal | int | float | str) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


class BioTrackState:
    """Thread-safe store. Public methods lock; ``world`` is for ``actions.py`` under ``lock``."""

    def __init__(self, config: DoubleConfig | None = None) -> None:
        self.config = config or DoubleConfig()
        self.lock = threading.RLock()
        self.world = World()
        self._clock_offset = timedelta(0)

    def reset(self, config: DoubleConfig | None = None) -> None:
        """Forget everything (licenses included) and go back to default switches."""
        with self.lock:
            self.config = config or DoubleConfig()
            self.world = World()
            self._clock_offset = timedelta(0)

    # -- clock and ids -------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self._clock_offset

    def unix_now(self) -> int:
        return int(self.now().timestamp())

    def advance_clock(self, delta: timedelta) -> None:
        """Move the double's clock forward (sessions expire, destruction holds elapse)."""
        with self.lock:
            self._clock_offset += delta

    def next_transactionid(self) -> int:
        with self.lock:
            self.world.last_transactionid += 1
            return self.world.last_transactionid

    @property
    def last_transactionid(self) -> int:
        with self.lock:
            return self.world.last_transactionid

    # -- seeding -------------------------------------------------------------------------------

    def add_license(
        self, license_number: str, name: str = "Test Dispensary", *, default_room: bool = True
    ) -> None:
        """Add a license (idempotent); by default with room 1, "Sales Floor"."""
        with self.lock:
            self.world.licenses.setdefault(license_number, License(license_number, name))
            if default_room:
                self.world.rooms.setdefault(
                    (license_number, DEFAULT_ROOM),
                    Room(license_number, DEFAULT_ROOM, "Sales Floor"),
                )

    def add_user(self, license_number: str, username: str, password: str) -> None:
        with self.lock:
            self._license(license_number).users[username] = password

    def add_room(
        self, license_number: str, room_id: int, name: str, *, quarantine: bool = False
    ) -> None:
        with self.lock:
            self._license(license_number)
            self.world.rooms[(license_number, room_id)] = Room(
                license_number, room_id, name, quarantine
            )

    def add_item(
        self,
        license_number: str,
        barcodeid: str,
        quantity: Decimal | int | float | str,
        *,
        uom: str = "g",
        room: int = DEFAULT_ROOM,
        product_name: str = "",
        strain: str = "",
        inventory_type: int = 28,
    ) -> Item:
        """Seed an active inventory item under a license; returns a copy."""
        _check_barcode(barcodeid)
        with self.lock:
            self._license(license_number)
            item = Item(
                barcodeid=barcodeid,
                license_number=license_number,
                quantity=_dec(quantity),
                uom=uom,
                room=room,
                product_name=product_name,
                strain=strain,
                inventory_type=inventory_type,
                transactionid=self.next_transactionid(),
            )
            self.world.items[barcodeid] = item
            return copy.deepcopy(item)

    def add_manifest(
        self,
        receiver_license: str,
        items: Iterable[ManifestItem | Mapping[str, Any]],
        *,
        sender_license: str = DEFAULT_SENDER_LICENSE,
        manifest_id: str | None = None,
        stop_number: int = 1,
    ) -> str:
        """Seed an inbound manifest addressed to ``receiver_license``; returns its id.

        Items are ``ManifestItem`` or mappings with ManifestItem's field names
        (``barcodeid``, ``quantity``, optional ``uom``, ``product_name``, ``strain``,
        ``inventory_type``).
        """
        built = [
            i
            if isinstance(i, ManifestItem)
            else ManifestItem(**{**i, "quantity": _dec(i["quantity"])})
            for i in items
        ]
        for entry in built:
            _check_barcode(entry.barcodeid)
        with self.lock:
            self._license(receiver_license)
            if manifest_id is None:
                self.world.last_manifest += 1
                manifest_id = f"{9_000_000_000 + self.world.last_manifest}"
            self.world.manifests[manifest_id] = Manifest(
                manifest_id, receiver_license, sender_license, built, self.now(), stop_number
            )
            return manifest_id

    def set_quantity(self, barcodeid: str, quantity: Decimal | int | float | str) -> None:
        """Change an item's quantity out of band, as if edited at the state."""
        with self.lock:
            item = self._item(barcodeid)
            item.quantity = _dec(quantity)
            item.transactionid = self.next_transactionid()

    def expire_sessions(self, license_number: str | None = None) -> int:
        """Force-expire every session (of one license, if given); returns how many."""
        with self.lock:
            hit = [
                s
                for s in self.world.sessions.values()
                if license_number is None or s.license_number == license_number
            ]
            for s in hit:
                s.forced_expired = True
            return len(hit)

    def expire_session(self, sessionid: str) -> bool:
        with self.lock:
            session = self.world.sessions.get(sessionid)
            if session is not None:
                session.forced_expired = True
            return session is not None

    # -- reads (copies) ------------------------------------------------------------------------

    def _read(self, pick: Callable[[World], T]) -> T:
        with self.lock:
            return copy.deepcopy(pick(self.world))

    def item(self, barcodeid: str) -> Item | None:
        return self._read(lambda w: w.items.get(barcodeid))

    def quantity(self, barcodeid: str) -> Decimal:
        with self.lock:
            return self._item(barcodeid).quantity

    def list_items(self, license_number: str | None = None) -> list[Item]:
        return self._read(lambda w: [i for i in w.items.values() if _owned(i, license_number)])

    def sale(self, transactionid: int) -> Sale | None:
        return self._read(lambda w: w.sales.get(transactionid))

    def list_sales(self, license_number: str | None = None) -> list[Sale]:
        return self._read(lambda w: [s for s in w.sales.values() if _owned(s, license_number)])

    def list_sale_events(self) -> list[SaleEvent]:
        return self._read(lambda w: w.sale_events)

    def list_adjustments(self) -> list[Adjustment]:
        return self._read(lambda w: w.adjustments)

    def list_moves(self) -> list[Move]:
        return self._read(lambda w: w.moves)

    def list_schedules(self) -> list[DestroySchedule]:
        return self._read(lambda w: list(w.schedules.values()))

    def list_destructions(self) -> list[Destruction]:
        return self._read(lambda w: w.destructions)

    def manifest(self, manifest_id: str) -> Manifest | None:
        return self._read(lambda w: w.manifests.get(manifest_id))

    def list_manifests(self) -> list[Manifest]:
        return self._read(lambda w: list(w.manifests.values()))

    def list_sessions(self) -> list[Session]:
        return self._read(lambda w: list(w.sessions.values()))

    def stored_nonces(self, license_number: str | None = None) -> list[StoredNonce]:
        return self._read(lambda w: [n for n in w.nonces.values() if _owned(n, license_number)])

    # -- sessions and nonces (used by the app) -------------------------------------------------

    def login(self, license_number: str, username: str, password: str) -> Session:
        with self.lock:
            lic = self.world.licenses.get(license_number)
            if lic is None or lic.users.get(username) != password:
                raise ApiError(ErrorCode.LOGIN_FAILED)
            now = self.now()
            session = Session(
                secrets.token_hex(16),
                license_number,
                username,
                now,
                now + self.config.session_ttl,
            )
            self.world.sessions[session.sessionid] = session
            return copy.deepcopy(session)

    def resolve_session(self, sessionid: str) -> Session:
        """The live session for ``sessionid``, or SESSION_INVALID / SESSION_EXPIRED."""
        with self.lock:
            session = self.world.sessions.get(sessionid)
            if session is None:
                raise ApiError(ErrorCode.SESSION_INVALID)
            if session.expired(self.now()):
                raise ApiError(ErrorCode.SESSION_EXPIRED)
            return copy.deepcopy(session)

    def find_nonce(self, license_number: str, nonce: str) -> StoredNonce | None:
        """The stored record itself (not a copy): callers hold ``lock``."""
        with self.lock:
            return self.world.nonces.get((license_number, nonce))

    def store_nonce(
        self,
        license_number: str,
        nonce: str,
        action: str,
        response: dict[str, Any],
        fingerprint: str = "",
    ) -> None:
        with self.lock:
            key = (license_number, nonce)
            previous = self.world.nonces.get(key)
            seen = previous.times_seen + 1 if previous else 1
            self.world.nonces[key] = StoredNonce(
                license_number, nonce, action, copy.deepcopy(response), self.now(), fingerprint,
                seen,
            )  # fmt: skip

    # -- internals -----------------------------------------------------------------------------

    def _license(self, license_number: str) -> License:
        lic = self.world.licenses.get(license_number)
        if lic is None:
            raise KeyError(f"no license {license_number!r}; call add_license first")
        return lic

    def _item(self, barcodeid: str) -> Item:
        item = self.world.items.get(barcodeid)
        if item is None:
            raise KeyError(f"no inventory item {barcodeid!r}")
        return item
