"""Inbound POS and delivery webhooks: authenticate, refuse replays, apply each event once.

Why it is shaped like this:
- Nothing is read before it is authenticated: the connection's secret checks the signature
  (constant time, timestamp within the adapter's window, 5 minutes by default) before the body
  is parsed. A bad or stale signature, an unreadable body or an acting user who may no longer sell
  is refused as a whole (``WebhookRefused``) and records nothing, so the sender may fix it and
  send the same events again.
- An event id is used once per location and adapter, whatever its outcome. Each event runs in
  its own transaction that first claims its id in ``integration_event`` (a concurrent duplicate
  waits on the unique index), then calls the domain service as the acting user, then stores the
  answer. A refusal rolls the change back and is then recorded on its own, with its typed reason.
  A crash records nothing: the sender's retry is processed afresh.
- The domain services keep their own idempotency: a POS receipt is once per register, an order
  once per store, so the same sale re-sent under a new event id is recorded once ("replayed").
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from domain import db
from domain.errors import DomainError, NotFound
from domain.identity.principal import Principal
from domain.identity.services import load_principal
from domain.identity.tokens import TokenClaims
from domain.integrations.services import ActiveConnection, active_connection
from domain.integrations.tables import EventOutcome, IntegrationKind
from domain.roles import Capability
from domain.sales import reservations, sales, voids
from domain.unit_of_work import UnitOfWork
from plugins.integrations import (
    DeliveryAdapter,
    MalformedRequest,
    OrderCancelled,
    OrderPlaced,
    PosAdapter,
    PosSale,
    PosVoid,
    SignatureCheck,
    SignatureScheme,
)

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"

_CLAIM = """
INSERT INTO integration_event (location, kind, adapter, event_id, event_type, occurred_at,
                               received_at, outcome, result)
VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8::jsonb)
ON CONFLICT (location, kind, adapter, event_id) DO NOTHING
RETURNING id
"""


class Refusal(enum.StrEnum):
    """Why a whole request was refused (nothing was applied or recorded)."""

    NO_CONNECTION = "no_connection"
    SIGNATURE_MISSING = "signature_missing"
    BAD_SIGNATURE = "bad_signature"
    STALE_SIGNATURE = "stale_signature"
    MALFORMED = "malformed"
    ACTING_USER = "acting_user_not_allowed"


class WebhookRefused(Exception):
    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message


@dataclasses.dataclass(frozen=True)
class Ingested:
    """One result per event, in the order sent (JSON-native dicts, as the sender receives them)."""

    results: list[dict[str, Any]]

    @property
    def all_duplicates(self) -> bool:
        return all(r["outcome"] == DUPLICATE for r in self.results)


@dataclasses.dataclass(frozen=True)
class Source:
    connection: ActiveConnection
    principal: Principal


def _json(value: Any) -> Any:
    """Decimals, dates and enums as strings: what the sender will read back."""
    return json.loads(json.dumps(value, default=str))


def refusal_of(exc: DomainError) -> dict[str, Any]:
    """A domain refusal as JSON: its type (as in GraphQL), message and facts."""
    facts = dataclasses.asdict(exc) if dataclasses.is_dataclass(exc) else {}
    return _json({"type": type(exc).__name__, "message": exc.message, **facts})


async def authenticate(
    kind: IntegrationKind,
    adapter: str,
    scheme: SignatureScheme,
    location_id: int,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None,
    capability: Capability = Capability.SELL,
) -> Source:
    connection = await active_connection(location_id, kind, adapter)
    if connection is None:
        raise WebhookRefused(Refusal.NO_CONNECTION, f"no active {kind} connection for {adapter}")
    if not connection.secret:
        log.error("integration connection %s: its secret cannot be decrypted", connection.id)
        raise WebhookRefused(Refusal.BAD_SIGNATURE, "the signature does not match")
    try:
        check = scheme.check(connection.secret, headers, body, time.time() if now is None else now)
    except Exception as exc:  # a third-party scheme's bug must not become a 500 or a pass
        # One line, not a traceback: the header is the sender's, and a sender can repeat it.
        log.error(
            "the %s %s adapter's signature check failed on the sender's header: %s: %.200s",
            adapter,
            kind,
            type(exc).__name__,
            exc,
        )
        check = SignatureCheck.INVALID
    if check == SignatureCheck.MISSING:
        raise WebhookRefused(Refusal.SIGNATURE_MISSING, "the request is not signed")
    if check == SignatureCheck.STALE:
        raise WebhookRefused(
            Refusal.STALE_SIGNATURE, "the signature's timestamp is outside the allowed window"
        )
    if check != SignatureCheck.VALID:
        raise WebhookRefused(Refusal.BAD_SIGNATURE, "the signature does not match")
    principal = await load_principal(
        TokenClaims(connection.acting_user_id, connection.acting_token_version)
    )
    if principal is None or not principal.can(capability, location_id):
        raise WebhookRefused(
            Refusal.ACTING_USER, f"the connection's acting user may not {capability} here"
        )
    return Source(connection, principal)


def _parse(
    parse: Callable[[bytes], Sequence[Any]], body: bytes, types: tuple[type, ...], who: str
) -> list[Any]:
    try:
        parsed = list(parse(body))
    except MalformedRequest as exc:
        raise WebhookRefused(Refusal.MALFORMED, str(exc)) from None
    except Exception:  # an adapter's bug on odd input: still the sender's 400, logged for us
        log.exception("the %s adapter could not parse a request", who)
        raise WebhookRefused(Refusal.MALFORMED, "the body could not be read") from None
    if not parsed:
        raise WebhookRefused(Refusal.MALFORMED, "the body holds no events")
    for event in parsed:
        if not isinstance(event, types):
            log.error("the %s adapter returned %r", who, type(event))
            raise WebhookRefused(Refusal.MALFORMED, "the body could not be read")
    return parsed


async def _once(
    units: Callable[[], UnitOfWork],
    source: Source,
    event: Any,
    apply: Callable[[UnitOfWork], Awaitable[dict]],
) -> dict:
    """Apply ``event`` unless its id was seen; record and return what became of it."""
    c = source.connection
    key = (c.location_id, str(c.kind), c.adapter, event.event_id)
    head = {"event_id": event.event_id, "type": event.type}
    try:
        async with units() as uow:
            conn = uow.conn
            claim = await conn.fetchval(
                _CLAIM, *key, event.type, event.occurred_at, str(EventOutcome.APPLIED), {}
            )
            if claim is None:
                return await _duplicate(conn, key, head)
            result = _json({**head, "outcome": str(EventOutcome.APPLIED), **await apply(uow)})
            await conn.execute(
                "UPDATE integration_event SET result = $2::jsonb WHERE id = $1",
                claim,
                result,
            )
            return result
    except DomainError as exc:
        result = {**head, "outcome": str(EventOutcome.REFUSED), "error": refusal_of(exc)}
    async with db.transaction(), db.connection() as conn:
        claim = await conn.fetchval(
            _CLAIM,
            *key,
            event.type,
            event.occurred_at,
            str(EventOutcome.REFUSED),
            result,
        )
        if claim is None:  # a concurrent duplicate got there first; report what it did
            return await _duplicate(conn, key, head)
    return result


async def _duplicate(conn: Any, key: tuple, head: dict[str, Any]) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT received_at, result FROM integration_event"
        " WHERE location = $1 AND kind = $2 AND adapter = $3 AND event_id = $4",
        *key,
    )
    return {
        **head,
        "outcome": DUPLICATE,
        "received_at": row["received_at"].isoformat(),
        "first": row["result"],
    }


async def ingest_pos(
    units: Callable[[], UnitOfWork],
    adapter: PosAdapter,
    location_id: int,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> Ingested:
    """Apply a POS webhook's sales and voids at ``location_id``, in order, each at most once."""
    source = await authenticate(
        IntegrationKind.POS, adapter.name, adapter.signature, location_id, headers, body, now
    )
    parsed = _parse(adapter.parse, body, (PosSale, PosVoid), adapter.name)
    results = []
    for event in parsed:
        if isinstance(event, PosSale):
            results.append(await _once(units, source, event, _sale(source, event)))
        else:
            results.append(await _once(units, source, event, _void(source, event)))
    return Ingested(results)


def _sale(source: Source, event: PosSale) -> Callable[[UnitOfWork], Awaitable[dict]]:
    async def apply(uow: UnitOfWork) -> dict[str, Any]:
        outcome = await sales.record_sale(
            uow,
            source.principal,
            sales.RecordSale(
                location_id=source.connection.location_id,
                register=event.register,
                pos_receipt_id=event.receipt_id,
                customer_type=event.customer_type,
                lines=[
                    sales.SaleLineInput(
                        line.tag,
                        line.quantity,
                        line.unit_price,
                        line.discount,
                        line.sales_tax,
                        line.excise_tax,
                    )
                    for line in event.lines
                ],
                customer_key=event.customer_key,
                patient_license=event.patient_license,
            ),
        )
        return {**dataclasses.asdict(outcome.value), "replayed": outcome.replayed}

    return apply


def _void(source: Source, event: PosVoid) -> Callable[[UnitOfWork], Awaitable[dict]]:
    async def apply(uow: UnitOfWork) -> dict[str, Any]:
        outcome = await voids.void_sale(
            uow,
            source.principal,
            voids.VoidSale(
                source.connection.location_id, event.register, event.receipt_id, event.reason
            ),
        )
        return {**dataclasses.asdict(outcome.value), "replayed": outcome.replayed}

    return apply


async def ingest_delivery(
    units: Callable[[], UnitOfWork],
    adapter: DeliveryAdapter,
    location_id: int,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
) -> Ingested:
    """Turn a platform's orders into reservations (and cancellations into releases)."""
    source = await authenticate(
        IntegrationKind.DELIVERY, adapter.name, adapter.signature, location_id, headers, body, now
    )
    parsed = _parse(adapter.parse_order, body, (OrderPlaced, OrderCancelled), adapter.name)
    results = []
    for event in parsed:
        if isinstance(event, OrderPlaced):
            results.append(await _once(units, source, event, _placed(source, event)))
        else:
            results.append(await _once(units, source, event, _cancelled(source, event)))
    return Ingested(results)


def _placed(source: Source, event: OrderPlaced) -> Callable[[UnitOfWork], Awaitable[dict]]:
    async def apply(uow: UnitOfWork) -> dict[str, Any]:
        outcome = await reservations.create_reservation(
            uow,
            source.principal,
            reservations.CreateReservation(
                location_id=source.connection.location_id,
                order_ref=event.order_ref,
                channel=event.channel,
                lines=[
                    reservations.OrderLine(item.quantity, item.product_id, item.tag)
                    for item in event.lines
                ],
                partner=source.connection.adapter,
                hold_minutes=event.hold_minutes,
                customer_key=event.customer_key,
            ),
        )
        return {**dataclasses.asdict(outcome.value), "replayed": outcome.replayed}

    return apply


def _cancelled(source: Source, event: OrderCancelled) -> Callable[[UnitOfWork], Awaitable[dict]]:
    async def apply(uow: UnitOfWork) -> dict[str, Any]:
        # Only the platform's own orders: another partner's order ref is not found.
        async with db.connection() as conn:
            reservation_id = await conn.fetchval(
                "SELECT id FROM reservation WHERE location = $1 AND order_ref = $2"
                " AND partner = $3",
                source.connection.location_id,
                event.order_ref.strip(),
                source.connection.adapter,
            )
        if reservation_id is None:
            raise NotFound("reservation", event.order_ref)
        outcome = await reservations.cancel_reservation(
            uow,
            source.principal,
            reservations.CloseReservation(reservation_id, event.reason),
        )
        return {**dataclasses.asdict(outcome.value), "replayed": outcome.replayed}

    return apply
