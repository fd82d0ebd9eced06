"""Receiving against a purchase order: a shipment names the order it delivers, and completing
its receiving session fills the order's lines (received, rejected, short) and moves the order
to partially received or received.

The dock's decisions are the truth: accepted and partly accepted packages count as received
(their received quantity), rejected packages as rejected (their manifest quantity), per
product. What was ordered and neither received nor rejected is short. A shipment's products
that are not on the order are left to the shipment (they were not ordered); an order already
closed or cancelled keeps its lines as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import db, events, service
from domain.changelog import record as changelog
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.purchasing import lifecycle
from domain.purchasing.model import RECEIVABLE_STATUSES, PurchaseOrderStatus
from domain.receiving.model import Decision, ShipmentStatus
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

# Orders a new shipment may be linked to (a received order takes no more deliveries).
LINKABLE = frozenset({PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED})


async def check_link(conn: Any, location_id: int, purchase_order_id: int) -> None:
    """Refuse linking a shipment at ``location_id`` to an order that is not this store's or
    not waiting for deliveries (sent or partially received)."""
    row = await conn.fetchrow(
        "SELECT location, status FROM purchase_order WHERE id = $1", purchase_order_id
    )
    if row is None or row["location"] != location_id:
        raise NotFound("purchase order", str(purchase_order_id))
    if row["status"] not in LINKABLE:
        raise ValidationError(
            "purchaseOrderId",
            f"the order is {row['status']}: only a sent or partly received order takes deliveries",
        )


async def matching_order(conn: Any, location_id: int, shipper_license: str | None) -> int | None:
    """The order a state manifest delivers, when there is no doubt: the shipper's licence is one
    vendor's and exactly one of that vendor's orders here waits for deliveries. Otherwise the
    dock links it by hand (``link_shipment``): a wrong guess would fill the wrong order."""
    if not shipper_license:
        return None
    rows = await conn.fetch(
        "SELECT po.id FROM purchase_order po JOIN vendor v ON v.id = po.vendor"
        " JOIN location l ON l.id = po.location AND l.operator = v.operator"
        " WHERE po.location = $1 AND po.status = ANY($2::text[]) AND v.license_number = $3"
        " LIMIT 2",
        location_id,
        sorted(str(s) for s in LINKABLE),
        shipper_license,
    )
    return rows[0]["id"] if len(rows) == 1 else None


@dataclass(frozen=True)
class LinkShipment:
    shipment_id: int
    purchase_order_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ShipmentLinked:
    shipment_id: int
    purchase_order_id: int


async def link_shipment(
    uow: UnitOfWork, principal: Principal, cmd: LinkShipment
) -> service.Outcome:
    """Say which order a shipment delivers (a state manifest arrives without one), before its
    receiving is completed, so the receipt fills the order's lines."""
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM shipment WHERE id = $1", cmd.shipment_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("shipment", str(cmd.shipment_id))
    principal.require(Capability.MOVE_VAULT_STOCK, location_id)

    async def work(uow: UnitOfWork) -> ShipmentLinked:
        conn = uow.conn
        shipment = await conn.fetchrow(
            "SELECT status, purchase_order FROM shipment WHERE id = $1 FOR UPDATE",
            cmd.shipment_id,
        )
        status = shipment["status"] if shipment is not None else None
        if status in (ShipmentStatus.COMPLETED, ShipmentStatus.CANCELLED):
            raise ValidationError("shipmentId", f"the shipment is {status}")
        await check_link(conn, location_id, cmd.purchase_order_id)
        await conn.execute(
            "UPDATE shipment SET purchase_order = $2 WHERE id = $1",
            cmd.shipment_id,
            cmd.purchase_order_id,
        )
        await changelog.change(
            uow,
            principal,
            "linkShipmentToPurchaseOrder",
            "shipment",
            cmd.shipment_id,
            location_id=location_id,
            before={"purchase_order_id": shipment["purchase_order"] if shipment else None},
            after={"purchase_order_id": cmd.purchase_order_id},
        )
        uow.record(events.ShipmentUpdated(location_id=location_id, shipment_id=cmd.shipment_id))
        return ShipmentLinked(cmd.shipment_id, cmd.purchase_order_id)

    return await service.run(
        uow, principal, "linkShipmentToPurchaseOrder", cmd, work, ShipmentLinked
    )


# What a completed session took in and turned away, per product of the shipment.
_DOCK = """
SELECT sp.product,
       coalesce(sum(ps.received_quantity) FILTER (WHERE ps.decision <> $3), 0) AS received,
       coalesce(sum(sp.shipped_quantity) FILTER (WHERE ps.decision = $3), 0) AS rejected
FROM shipment_package sp
JOIN receiving_session s ON s.shipment = sp.shipment
JOIN package_scan ps ON ps.session = s.id AND ps.shipment_package = sp.id
WHERE sp.shipment = $1 AND s.id = $2 AND sp.product IS NOT NULL
GROUP BY sp.product
"""


async def apply_receipt(uow: UnitOfWork, session_id: int, shipment_id: int) -> None:
    """Fill the shipment's order from its completed session (in the completing transaction;
    once: a second call for the same shipment adds nothing)."""
    conn = uow.conn
    order_id = await conn.fetchval("SELECT purchase_order FROM shipment WHERE id = $1", shipment_id)
    if order_id is None:
        return
    order = await conn.fetchrow(
        "SELECT id, location, status FROM purchase_order WHERE id = $1 FOR UPDATE", order_id
    )
    if order is None or order["status"] not in RECEIVABLE_STATUSES:
        return
    dock = {
        r["product"]: r
        for r in await conn.fetch(_DOCK, shipment_id, session_id, str(Decision.REJECT))
    }
    lines = await conn.fetch(
        "SELECT id, product, expected_quantity, received_quantity, rejected_quantity"
        " FROM purchase_order_line WHERE purchase_order = $1 ORDER BY id FOR UPDATE",
        order_id,
    )
    totals: list[lifecycle.LineQuantities] = []
    for line in lines:
        got = dock.get(line["product"])
        received, rejected = line["received_quantity"], line["rejected_quantity"]
        if got is not None:
            added = await conn.fetchval(
                "INSERT INTO purchase_order_receipt (purchase_order, line, shipment,"
                " received_quantity, rejected_quantity, received_at, location)"
                " VALUES ($1, $2, $3, $4, $5, now(), $6) ON CONFLICT (shipment, line) DO NOTHING"
                " RETURNING id",
                order_id,
                line["id"],
                shipment_id,
                got["received"],
                got["rejected"],
                order["location"],
            )
            if added is not None:
                received += got["received"]
                rejected += got["rejected"]
        quantities = lifecycle.LineQuantities(line["expected_quantity"], received, rejected)
        totals.append(quantities)
        await conn.execute(
            "UPDATE purchase_order_line SET received_quantity = $2, rejected_quantity = $3,"
            " short_quantity = $4 WHERE id = $1",
            line["id"],
            received,
            rejected,
            quantities.short,
        )
    status = lifecycle.after_receipt(order_id, order["status"], totals)
    await conn.execute(
        "UPDATE purchase_order SET status = $2, updated_at = now(),"
        " first_received_at = coalesce(first_received_at, now()) WHERE id = $1",
        order_id,
        str(status),
    )
