"""Online pickup and delivery orders: stock moved into a reserved zone until the customer comes.

A reservation is a hard hold: its stock leaves the floor (RESERVE movements, first-expiring
lots first) so no register or other order can sell it. It ends exactly once: fulfilled (a sale
from the reserved stock, limits checked then), cancelled, or expired (the stock goes back where
it came from). Fulfilment and expiry both take the reservation's row lock, and expiry skips rows
someone else holds, so an order being fulfilled as it expires ends in one state or the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain import db, events, service, webhooks
from domain.errors import NotFound, ReservationNotHeld, ValidationError
from domain.identity.principal import Principal
from domain.inventory import ledger
from domain.inventory.model import MovementKind
from domain.organisation.model import ZoneKind
from domain.quantities import parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.sales import allocation, release
from domain.sales.model import Channel, CustomerType, ReservationStatus
from domain.sales.sales import RecordSale, SaleLineInput, _record, _validate
from domain.unit_of_work import UnitOfWork

MAX_HOLD = timedelta(days=7)


@dataclass(frozen=True)
class OrderLine:
    """By product (we pick the first-expiring lots) or by package tag (that package)."""

    quantity: Decimal
    product_id: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class CreateReservation:
    location_id: int
    order_ref: str
    channel: Channel
    lines: list[OrderLine]
    partner: str | None = None
    hold_minutes: int | None = None
    customer_key: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ReservationChanged:
    reservation_id: int
    status: str
    movement_ids: list[int] = field(default_factory=list)
    sale_id: int | None = None


async def create_reservation(
    uow: UnitOfWork, principal: Principal, cmd: CreateReservation
) -> service.Outcome:
    """Hold stock for an online order, or refuse with exactly what is missing."""
    principal.require(Capability.SELL, cmd.location_id)
    if not cmd.order_ref.strip() or len(cmd.order_ref) > 100:
        raise ValidationError("orderRef", "must be 1 to 100 characters")
    if not cmd.lines or len(cmd.lines) > 100:
        raise ValidationError("lines", "1 to 100 lines")
    wanted = []
    for i, line in enumerate(cmd.lines):
        if (line.product_id is None) == (line.tag is None):
            raise ValidationError(f"lines[{i}]", "give either a product or a package tag")
        wanted.append((line, parse_quantity(line.quantity, field=f"lines[{i}].quantity")))
    if cmd.hold_minutes is not None and not 1 <= cmd.hold_minutes <= MAX_HOLD.total_seconds() / 60:
        raise ValidationError("holdMinutes", "between 1 minute and 7 days")

    async def work(uow: UnitOfWork) -> ReservationChanged:
        return await _hold(uow, principal, cmd, wanted)

    # An order reference is unique per store: a platform re-sending its order gets the first.
    return await service.run(
        uow,
        principal,
        "createReservation",
        cmd,
        work,
        ReservationChanged,
        scope=f"order:{cmd.location_id}",
        key=cmd.idempotency_key or cmd.order_ref,
    )


async def _hold(
    uow: UnitOfWork,
    principal: Principal,
    cmd: CreateReservation,
    wanted: list[tuple[OrderLine, Decimal]],
) -> ReservationChanged:
    async with db.connection() as conn:
        location = returned(
            await conn.fetchrow(
                "SELECT reserve_from_vault, reservation_hold_minutes FROM location WHERE id = $1",
                cmd.location_id,
            ),
            "location",
        )
        reserved = await conn.fetchrow(
            "SELECT id, name FROM zone WHERE location = $1 AND kind = 'reserved' AND active"
            " ORDER BY id LIMIT 1",
            cmd.location_id,
        )
    if reserved is None:
        raise ValidationError("locationId", "this location has no reserved-orders zone")
    target = ledger.ZoneRef(reserved["id"], cmd.location_id, ZoneKind.RESERVED, reserved["name"])
    kinds = ["sales_floor", "vault"] if location["reserve_from_vault"] else ["sales_floor"]
    picks, locked = await allocation.allocate(cmd.location_id, wanted, kinds)
    hold = timedelta(minutes=cmd.hold_minutes or location["reservation_hold_minutes"])
    expires_at = datetime.now(UTC) + hold
    async with db.connection() as conn:
        reservation_id = returned(
            await conn.fetchval(
                "INSERT INTO reservation (location, order_ref, channel, partner, customer_key,"
                " status, expires_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'held',"
                " $6, $7, now()) RETURNING id",
                cmd.location_id,
                cmd.order_ref.strip(),
                str(Channel(cmd.channel)),
                cmd.partner,
                cmd.customer_key,
                expires_at,
                principal.user_id,
            )
        )
    posted = await ledger.post(
        uow,
        [
            ledger.Draft(p.package_id, MovementKind.RESERVE, p.quantity, p.zone, target)
            for p in picks
        ],
        ledger.Posting(actor_id=principal.user_id, source_document=f"reservation:{reservation_id}"),
        locked=locked,
    )
    async with db.connection() as conn:
        await conn.executemany(
            "INSERT INTO reservation_line (reservation, package, product, from_zone,"
            " reserved_zone, quantity, movements, location)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                (
                    reservation_id,
                    p.package_id,
                    p.product_id,
                    p.zone.id,
                    target.id,
                    p.quantity,
                    [m.id],
                    cmd.location_id,
                )
                for p, m in zip(picks, posted, strict=True)
            ],
        )
    await _announce(
        uow,
        cmd.location_id,
        reservation_id,
        ReservationStatus.HELD,
        expires_at,
        "reservation.created",
    )
    return ReservationChanged(reservation_id, ReservationStatus.HELD, [m.id for m in posted])


@dataclass(frozen=True)
class FulfilReservation:
    reservation_id: int
    register: str
    pos_receipt_id: str
    customer_type: CustomerType
    # Price per reserved package tag (unit price; defaults to the product's list price).
    prices: dict[str, Decimal] = field(default_factory=dict)
    customer_key: str | None = None
    patient_license: str | None = None
    idempotency_key: str | None = None


async def fulfil_reservation(
    uow: UnitOfWork, principal: Principal, cmd: FulfilReservation
) -> service.Outcome:
    """The customer is here: sell the reserved stock (limits and sellability checked now)."""
    location_id = await _location_of(principal, cmd.reservation_id)
    principal.require(Capability.SELL, location_id)

    async def work(uow: UnitOfWork) -> ReservationChanged:
        row = await _lock_held(cmd.reservation_id)
        lines = await _reserved_lines(cmd.reservation_id)
        sale = RecordSale(
            location_id=location_id,
            register=cmd.register,
            pos_receipt_id=cmd.pos_receipt_id,
            customer_type=cmd.customer_type,
            lines=[
                SaleLineInput(
                    r["tag"],
                    r["quantity"],
                    cmd.prices[r["tag"]] if r["tag"] in cmd.prices else r["price"],
                )
                for r in lines
            ],
            customer_key=cmd.customer_key or row["customer_key"],
            patient_license=cmd.patient_license,
            reservation_id=cmd.reservation_id,
        )
        recorded = await _record(uow, principal, sale, _validate(sale))
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE reservation SET status = 'fulfilled', closed_at = now(), sale = $2"
                " WHERE id = $1",
                cmd.reservation_id,
                recorded.sale_id,
            )
        await _announce(uow, location_id, cmd.reservation_id, ReservationStatus.FULFILLED)
        return ReservationChanged(
            cmd.reservation_id,
            ReservationStatus.FULFILLED,
            recorded.movement_ids,
            recorded.sale_id,
        )

    return await service.run(uow, principal, "fulfilReservation", cmd, work, ReservationChanged)


@dataclass(frozen=True)
class CloseReservation:
    reservation_id: int
    reason: str = ""
    idempotency_key: str | None = None


async def cancel_reservation(
    uow: UnitOfWork, principal: Principal, cmd: CloseReservation
) -> service.Outcome:
    """The order is off: its stock goes back where it came from."""
    location_id = await _location_of(principal, cmd.reservation_id)
    principal.require(Capability.SELL, location_id)

    async def work(uow: UnitOfWork) -> ReservationChanged:
        await _lock_held(cmd.reservation_id)
        moved = await release.put_back(uow, principal.user_id, [cmd.reservation_id], "cancelled")
        await _announce(uow, location_id, cmd.reservation_id, ReservationStatus.CANCELLED)
        return ReservationChanged(cmd.reservation_id, ReservationStatus.CANCELLED, moved)

    return await service.run(uow, principal, "cancelReservation", cmd, work, ReservationChanged)


@dataclass(frozen=True)
class ExtendReservation:
    reservation_id: int
    minutes: int
    idempotency_key: str | None = None


async def extend_reservation(
    uow: UnitOfWork, principal: Principal, cmd: ExtendReservation
) -> service.Outcome:
    """Give the customer longer (the new expiry counts from now, at most 7 days)."""
    if not 1 <= cmd.minutes <= MAX_HOLD.total_seconds() / 60:
        raise ValidationError("minutes", "between 1 minute and 7 days")
    location_id = await _location_of(principal, cmd.reservation_id)
    principal.require(Capability.SELL, location_id)

    async def work(uow: UnitOfWork) -> ReservationChanged:
        await _lock_held(cmd.reservation_id)
        expires_at = datetime.now(UTC) + timedelta(minutes=cmd.minutes)
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE reservation SET expires_at = $2 WHERE id = $1",
                cmd.reservation_id,
                expires_at,
            )
        await _announce(
            uow,
            location_id,
            cmd.reservation_id,
            ReservationStatus.HELD,
            expires_at,
            "reservation.extended",
        )
        return ReservationChanged(cmd.reservation_id, ReservationStatus.HELD)

    return await service.run(uow, principal, "extendReservation", cmd, work, ReservationChanged)


async def _location_of(principal: Principal, reservation_id: int) -> int:
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM reservation WHERE id = $1", reservation_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("reservation", str(reservation_id))
    return location_id


async def _lock_held(reservation_id: int) -> Any:
    """The reservation's row lock: fulfilment, cancellation and expiry take turns on it."""
    async with db.connection() as conn:
        row = returned(
            await conn.fetchrow(
                "SELECT id, status, customer_key FROM reservation WHERE id = $1 FOR UPDATE",
                reservation_id,
            ),
            "reservation",
        )
    if row["status"] != ReservationStatus.HELD:
        raise ReservationNotHeld(reservation_id, row["status"])
    return row


async def _reserved_lines(reservation_id: int) -> list[Any]:
    async with db.connection() as conn:
        return await conn.fetch(
            "SELECT p.tag, rl.quantity, pr.price FROM reservation_line rl"
            " JOIN package p ON p.id = rl.package JOIN product pr ON pr.id = rl.product"
            " WHERE rl.reservation = $1 ORDER BY rl.id",
            reservation_id,
        )


async def _announce(
    uow: UnitOfWork,
    location_id: int,
    reservation_id: int,
    status: str,
    expires_at: datetime | None = None,
    webhook: str | None = None,
) -> None:
    """Tell live screens (after commit) and partners' webhooks (outbox, in this transaction)."""
    data: dict[str, Any] = {"reservation_id": reservation_id, "status": str(status)}
    if expires_at is not None:
        data["expires_at"] = expires_at.isoformat()
    uow.record(
        events.ReservationUpdated(
            location_id=location_id,
            reservation_id=reservation_id,
            status=ReservationStatus(status),
            expires_at=expires_at,
        )
    )
    name = webhook or f"reservation.{status}"
    stamp = expires_at.timestamp() if expires_at is not None else ""
    await webhooks.record(
        uow, location_id, name, f"reservation:{reservation_id}:{name}:{stamp}", data
    )
