"""What a POS or delivery-platform adapter declares, and the typed events it turns requests into.

Why this module exists: every POS vendor and delivery platform posts its own JSON and signs it
its own way, but LeafLedger must apply those events through the same services as its own API
(``record_sale``, ``void_sale``, ``create_reservation``, ``cancel_reservation``). An adapter is the
one place that knows a vendor's format: it checks the request's signature, parses the body into
the plain events below, and (for delivery platforms) shapes the outbound reservation-status
webhooks. Everything else (secrets, replay protection, acting user, idempotency, transactions)
is LeafLedger's, in ``domain.integrations``.

Adapters are plain frozen dataclasses returned by the ``register_pos_adapters`` and
``register_delivery_adapters`` hooks (``plugins.hookspecs``). ``parse`` functions must be pure (no
I/O) and raise ``MalformedRequest`` for a body they cannot read; any other exception is treated
the same way (the caller answers 400, never 500) but is logged as an adapter bug.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from domain.sales.model import Channel, CustomerType
from domain.webhooks import signing

# Adapter names appear in URLs (/hooks/pos/{name}) and in the reservation's ``partner`` column.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
EVENT_ID_MAX_LENGTH = 200


class MalformedRequest(ValueError):
    """The body is not in the adapter's format (the endpoint answers 400; nothing is applied)."""


# The events check their own fields when built, so whatever an adapter's ``parse`` produces, the
# domain services get the types they expect (a bad value is the sender's 400, not our 500).
MAX_ID = 2**31 - 1


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise MalformedRequest(message)


def _text(
    value: object, name: str, max_length: int, optional: bool = False, empty: bool = False
) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not (empty or value) or len(value) > max_length:
        raise MalformedRequest(f"{name}: must be a string of 1 to {max_length} characters")
    # PostgreSQL text holds neither NUL nor lone surrogates (which JSON can smuggle in).
    _check("\x00" not in value and _encodable(value), f"{name}: contains invalid characters")


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _number(value: object, name: str) -> None:
    # Floats have already lost precision; the domain refuses them too, but as a typed refusal.
    _check(
        isinstance(value, Decimal | int | str) and not isinstance(value, bool),
        f"{name}: must be a decimal",
    )


def _event_head(event_id: object, occurred_at: object) -> None:
    _text(event_id, "id", EVENT_ID_MAX_LENGTH)
    _check(
        isinstance(occurred_at, datetime) and occurred_at.tzinfo is not None,
        "occurred_at: must be a time with its UTC offset",
    )


def _items(value: object, kind: type, name: str) -> None:
    _check(
        isinstance(value, tuple | list) and all(isinstance(v, kind) for v in value),
        f"{name}: must be a list of {kind.__name__}",
    )


# -- Signatures ------------------------------------------------------------------------------


class SignatureCheck(enum.StrEnum):
    VALID = "valid"
    MISSING = "missing"  # no signature header
    INVALID = "invalid"  # wrong secret, altered body, or a malformed header
    STALE = "stale"  # a correct signature made outside the tolerance window (clock or replay)


class SignatureScheme(Protocol):
    """How an adapter finds and checks a request's signature.

    ``headers`` is case-insensitive (Starlette's ``Headers``). Implementations must compare in
    constant time and must report ``STALE`` only for a signature that is otherwise correct (so an
    unauthenticated caller learns nothing).
    """

    def check(
        self, secret: str, headers: Mapping[str, str], body: bytes, now: float
    ) -> SignatureCheck: ...


@dataclass(frozen=True)
class LeafLedgerSignature:
    """Our own scheme, the one outbound webhooks use (``domain.webhooks.signing``):
    ``<header>: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.

    A vendor that signs the same way under another header name passes ``header``.
    """

    header: str = signing.HEADER
    tolerance: float = signing.DEFAULT_TOLERANCE_SECONDS

    def check(
        self, secret: str, headers: Mapping[str, str], body: bytes, now: float
    ) -> SignatureCheck:
        value = headers.get(self.header)
        if not value:
            return SignatureCheck.MISSING
        if signing.verify(secret, value, body, now, self.tolerance):
            return SignatureCheck.VALID
        # Only a signature that is right apart from its age is called stale.
        if signing.verify(secret, value, body, now, tolerance=float("inf")):
            return SignatureCheck.STALE
        return SignatureCheck.INVALID


LEAFLEDGER_SIGNATURE = LeafLedgerSignature()

# Door and badge systems post LeafLedger's own access-event document
# (``domain.diversion.webhook``), signed our way; the name is what a connection configures.
ACCESS_ADAPTERS: Mapping[str, SignatureScheme] = {"door": LEAFLEDGER_SIGNATURE}


# -- POS events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PosLine:
    """One receipt line: a package tag sold, at a unit price; money in the store's currency."""

    tag: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    sales_tax: Decimal = Decimal(0)
    excise_tax: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _text(self.tag, "tag", 100)
        for name in ("quantity", "unit_price", "discount", "sales_tax", "excise_tax"):
            _number(getattr(self, name), name)


@dataclass(frozen=True)
class PosSale:
    """A completed receipt. ``(register, receipt_id)`` identifies the sale: re-sending it (even
    under a new event id) records it once."""

    type: ClassVar[str] = "sale"

    event_id: str
    occurred_at: datetime
    register: str
    receipt_id: str
    customer_type: CustomerType
    lines: tuple[PosLine, ...]
    customer_key: str | None = None
    patient_license: str | None = None

    def __post_init__(self) -> None:
        _event_head(self.event_id, self.occurred_at)
        _text(self.register, "register", 64)
        _text(self.receipt_id, "receipt_id", 100)
        _check(self.customer_type in set(CustomerType), "customer_type: unknown")
        _items(self.lines, PosLine, "lines")
        _text(self.customer_key, "customer_key", 128, optional=True)
        _text(self.patient_license, "patient_license", 64, optional=True)


@dataclass(frozen=True)
class PosVoid:
    """A whole receipt cancelled at the register (its stock goes back where it was sold from)."""

    type: ClassVar[str] = "void"

    event_id: str
    occurred_at: datetime
    register: str
    receipt_id: str
    reason: str

    def __post_init__(self) -> None:
        _event_head(self.event_id, self.occurred_at)
        _text(self.register, "register", 64)
        _text(self.receipt_id, "receipt_id", 100)
        _text(self.reason, "reason", 500)


PosEvent = PosSale | PosVoid


@dataclass(frozen=True)
class PosAdapter:
    """A POS vendor's inbound webhooks (``POST /hooks/pos/{name}``)."""

    name: str
    title: str
    parse: Callable[[bytes], Sequence[PosEvent]]
    signature: SignatureScheme = LEAFLEDGER_SIGNATURE
    description: str = ""


# -- Delivery-platform events ----------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    """By product (LeafLedger picks the first-expiring lots) or by package tag (that package)."""

    quantity: Decimal
    product_id: int | None = None
    tag: str | None = None

    def __post_init__(self) -> None:
        _number(self.quantity, "quantity")
        _check(
            self.product_id is None
            or (type(self.product_id) is int and 0 < self.product_id <= MAX_ID),
            "product_id: must be a LeafLedger product id",
        )
        _text(self.tag, "tag", 100, optional=True)


@dataclass(frozen=True)
class OrderPlaced:
    """A new order: its stock is held as a reservation. ``order_ref`` is unique per store, so a
    platform re-sending the order (even under a new event id) reserves once."""

    type: ClassVar[str] = "order_placed"

    event_id: str
    occurred_at: datetime
    order_ref: str
    lines: tuple[OrderItem, ...]
    channel: Channel = Channel.DELIVERY
    hold_minutes: int | None = None
    customer_key: str | None = None

    def __post_init__(self) -> None:
        _event_head(self.event_id, self.occurred_at)
        _text(self.order_ref, "order_ref", 100)
        _items(self.lines, OrderItem, "lines")
        _check(self.channel in set(Channel), "channel: unknown")
        _check(
            self.hold_minutes is None or type(self.hold_minutes) is int,
            "hold_minutes: must be an integer",
        )
        _text(self.customer_key, "customer_key", 128, optional=True)


@dataclass(frozen=True)
class OrderCancelled:
    """The order is off: its reserved stock goes back where it came from."""

    type: ClassVar[str] = "order_cancelled"

    event_id: str
    occurred_at: datetime
    order_ref: str
    reason: str = ""

    def __post_init__(self) -> None:
        _event_head(self.event_id, self.occurred_at)
        _text(self.order_ref, "order_ref", 100)
        _text(self.reason, "reason", 500, empty=True)


OrderEvent = OrderPlaced | OrderCancelled


@dataclass(frozen=True)
class StatusEvent:
    """An outbound reservation-status webhook, as the sender hands it to ``status_payload``."""

    id: str  # stable per fact; receivers dedupe by it
    name: str  # "reservation.created", "reservation.expired"...
    created_at: datetime


def standard_envelope(event: StatusEvent, data: Mapping[str, Any]) -> dict[str, Any]:
    """The body every plain webhook endpoint gets (``domain.webhooks.delivery.body_of``)."""
    return {
        "id": event.id,
        "event": event.name,
        "created_at": event.created_at.isoformat(),
        "data": dict(data),
    }


@dataclass(frozen=True)
class DeliveryAdapter:
    """A delivery platform: inbound orders (``POST /hooks/delivery/{name}``) and the shape of
    the reservation-status webhooks sent to endpoints linked to its connection.

    ``status_payload(event, data)`` returns the JSON document to send; ``data`` is the event's
    data (``reservation_id``, ``status``, ``expires_at`` when held) plus the reservation's
    ``order_ref`` and ``partner``. The sender still signs it and adds the usual headers.
    """

    name: str
    title: str
    parse_order: Callable[[bytes], Sequence[OrderEvent]]
    status_payload: Callable[[StatusEvent, Mapping[str, Any]], dict[str, Any]] = standard_envelope
    signature: SignatureScheme = LEAFLEDGER_SIGNATURE
    description: str = ""


def check_name(name: str) -> str:
    """An adapter name fit for a URL path segment; raises ValueError otherwise."""
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(f"adapter name {name!r} must match {NAME_PATTERN.pattern}")
    return name


def json_body(body: bytes) -> Any:
    """Decode a JSON body exactly: numbers with a fraction become Decimal (never float), and
    NaN/Infinity literals are refused. For adapters' ``parse`` functions."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise MalformedRequest(f"the body is not JSON: {exc}"[:200]) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")
