"""Domain events: one frozen dataclass per type, and their wire codec.

Live floor displays must never show stock that a rolled-back transaction did not move, so events
are collected by the unit of work (``domain.unit_of_work``, ``uow.record``) while the transaction
runs and handed to its publisher after COMMIT. Publication is
at-most-once (Redis pub/sub); subscribers re-read fresh data and clients refetch on reconnect.
Durable consumers (state reports, webhooks) use outbox rows written inside the transaction instead.
"""

from __future__ import annotations

import enum
import logging
import types
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import redis.exceptions

from domain.inventory.model import PackageStatus
from domain.organisation.model import ZoneKind
from domain.sales.model import ReservationStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Something that happened at a location; the subclass (its ``topic`` on the wire) picks
    the subscribers and jobs. Every subclass is listed in ``EVENT_TYPES`` below."""

    topic: ClassVar[str]
    location_id: int

    def as_dict(self) -> dict[str, Any]:
        """The wire form ``{"topic", "location_id", "data": {field: JSON value}}``.

        Not ``dataclasses.asdict``: its deep copy was a fifth of a busy worker's CPU. A field
        that is None is left out (``from_dict`` gives it its default back).
        """
        data: dict[str, Any] = {}
        for name, encode, _decode in _CODECS[type(self)]:
            value = getattr(self, name)
            if value is not None:
                data[name] = value if encode is None else encode(value)
        return {"topic": self.topic, "location_id": self.location_id, "data": data}


Publisher = Callable[[Sequence[Event]], Awaitable[None]]


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` only says Redis (or another server) cannot be reached right now."""
    return isinstance(
        error, ConnectionError | TimeoutError | redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError
    )  # fmt: skip


def fanout(*publishers: Publisher) -> Publisher:
    """One publisher that hands the same committed events to several (Redis, job kicks)."""

    async def publish(events: Sequence[Event]) -> None:
        for publisher in publishers:
            try:
                await publisher(events)
            except Exception as exc:
                if unreachable(exc):  # Redis away: one line per commit, not a traceback
                    log.warning("an event publisher could not reach Redis after commit: %s", exc)
                else:
                    log.exception("an event publisher failed after commit")

    return publish


# --- The event types. A topic string is spelled once, here; everything else names the class.


@dataclass(frozen=True, slots=True, kw_only=True)
class StockBalanceChanged(Event):
    """A movement changed a package's quantity in a zone (one per zone it touched)."""

    topic: ClassVar[str] = "stock"
    zone_id: int
    zone_kind: ZoneKind
    package_id: int
    product_id: int
    movement_id: int
    quantity: Decimal  # the package's balance in the zone after the movement


@dataclass(frozen=True, slots=True, kw_only=True)
class FloorStockLow(Event):
    """A product's sales-floor quantity fell below its threshold."""

    topic: ClassVar[str] = "low_stock"
    product_id: int
    floor_quantity: Decimal
    threshold: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ReservationUpdated(Event):
    """An order was held, extended, fulfilled, cancelled or expired; ``expires_at`` while held."""

    topic: ClassVar[str] = "reservation"
    reservation_id: int
    status: ReservationStatus
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SaleUpdated(Event):
    """A sale was recorded or voided."""

    topic: ClassVar[str] = "sale"
    sale_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageStatusChanged(Event):
    """A package was held, released or otherwise changed status."""

    topic: ClassVar[str] = "package_status"
    package_id: int
    from_status: PackageStatus
    to_status: PackageStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class ShipmentUpdated(Event):
    """A shipment at the dock changed (arrived, scanned, answered, completed)."""

    topic: ClassVar[str] = "receiving"
    shipment_id: int


class AlertKind(enum.StrEnum):
    REPORT_FAILED = "report_failed"
    REPORT_OVERDUE = "report_overdue"
    DISCREPANCIES_FOUND = "discrepancies_found"
    MANIFESTS_SKIPPED = "manifests_skipped"
    ADJUSTMENT_REASON_UNMAPPED = "adjustment_reason_unmapped"
    SAMPLE_DUE = "sample_due"
    # A verification run found a broken hash chain (names the tag and the sequence).
    LEDGER_BROKEN = "ledger_broken"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplianceAlertRaised(Event):
    """Something the compliance office must look at; which fields are set depends on ``kind``."""

    topic: ClassVar[str] = "compliance_alert"
    kind: AlertKind
    message: str
    report_id: int | None = None
    report_kind: str | None = None
    count: int | None = None
    reason: str | None = None
    # LEDGER_BROKEN: the package (or chain) and the first broken movement (or row) in it.
    tag: str | None = None
    sequence: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateReportsQueued(Event):
    """State-report outbox rows of this licence are due (a drain should start now)."""

    topic: ClassVar[str] = "state_reports"


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhooksQueued(Event):
    """Webhook deliveries of this licence are due."""

    topic: ClassVar[str] = "webhooks"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationRequested(Event):
    """A reconciliation run was queued."""

    topic: ClassVar[str] = "reconcile_requested"
    run_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessEventsRecorded(Event):
    """Door or badge events were recorded (the diversion rules should look at them)."""

    topic: ClassVar[str] = "access_events"
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DiversionFlagRaised(Event):
    """A diversion rule raised a flag (once per evidence)."""

    topic: ClassVar[str] = "diversion_flag"
    flag_id: int
    rule: str
    severity: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DestructionCarriedOut(Event):
    """Waste was destroyed; ``state_finish_at`` is when the state system's own second step
    (BioTrack's destroy after its hold) is due, None when it has none."""

    topic: ClassVar[str] = "destruction_carried_out"
    destruction_id: int
    state_finish_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CountUpdated(Event):
    """A count session started, got lines or a witness, was submitted, decided or expired."""

    topic: ClassVar[str] = "count"
    session_id: int
    status: str
    lines: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditPacketProgressed(Event):
    """An audit packet was requested (``queued``: its build should start), advanced a part or a
    batch of rows, finished or failed."""

    topic: ClassVar[str] = "audit_packet"
    packet_id: int
    status: str
    parts_done: int
    parts_total: int
    rows_written: int


EVENT_TYPES: tuple[type[Event], ...] = (
    StockBalanceChanged,
    FloorStockLow,
    ReservationUpdated,
    SaleUpdated,
    PackageStatusChanged,
    ShipmentUpdated,
    ComplianceAlertRaised,
    StateReportsQueued,
    WebhooksQueued,
    ReconciliationRequested,
    AccessEventsRecorded,
    DiversionFlagRaised,
    DestructionCarriedOut,
    CountUpdated,
    AuditPacketProgressed,
)

# Published on the location's channel, but no GraphQL subscription or job reads them yet.
UNSUBSCRIBED: frozenset[type[Event]] = frozenset({SaleUpdated, PackageStatusChanged})


# --- The wire codec: one table, keyed by class (to send) and by topic (to receive).

Encode = Callable[[Any], Any] | None
Codec = tuple[tuple[str, Encode, Encode], ...]


class MalformedEvent(ValueError):
    """A received message is not an event of a known type."""


def _field_codec(owner: type[Event], name: str, hint: Any) -> tuple[Encode, Encode]:
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(inner) == 1:
            hint = inner[0]
    if hint is int or hint is str:
        return None, None
    if hint is Decimal:
        return str, Decimal
    if hint is datetime:
        return datetime.isoformat, datetime.fromisoformat
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return None, hint  # json writes a StrEnum as its value
    raise TypeError(f"{owner.__name__}.{name}: no wire codec for {hint!r}")


def _codec(cls: type[Event]) -> Codec:
    hints = typing.get_type_hints(cls)
    return tuple(
        (f.name, *_field_codec(cls, f.name, hints[f.name]))
        for f in fields(cls)
        if f.name != "location_id"
    )


def _tables() -> tuple[dict[type[Event], Codec], dict[str, type[Event]]]:
    by_topic: dict[str, type[Event]] = {}
    for cls in EVENT_TYPES:
        if cls.topic in by_topic:
            raise TypeError(f"{cls.__name__} and {by_topic[cls.topic].__name__} share a topic")
        by_topic[cls.topic] = cls
    return {cls: _codec(cls) for cls in EVENT_TYPES}, by_topic


_CODECS, _BY_TOPIC = _tables()


def from_dict(raw: Mapping[str, Any]) -> Event:
    """The event ``Event.as_dict`` wrote; ``MalformedEvent`` if it is not one we know."""
    try:
        cls = _BY_TOPIC[raw["topic"]]
        data = raw.get("data") or {}
        values = {}
        for name, _encode, decode in _CODECS[cls]:
            if (value := data.get(name)) is not None:
                values[name] = value if decode is None else decode(value)
        return cls(location_id=int(raw["location_id"]), **values)
    except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise MalformedEvent(f"not an event: {exc!r}") from exc
