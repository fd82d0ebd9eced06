"""Purchase orders from draft to closed: what the store asks a vendor for, approved by a
manager before it is sent, so nobody commits the operator's cash alone.

Each step is a service that locks the order, asks ``lifecycle`` whether the move is legal and
writes the new status with who and when; a refused move writes nothing. Sending records the
``purchase_order.sent`` partner webhook in the same transaction (an ordering portal or an e-mail
relay subscribes to it) and the order's PDF is rendered from the stored order on request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from domain import db, service
from domain.changelog import record as changelog
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.numbers import DecimalRefused, parse_decimal
from domain.purchasing import document, lifecycle
from domain.purchasing.lifecycle import Action
from domain.purchasing.model import PurchaseOrderStatus
from domain.purchasing.vendors import MAX_UNIT_COST
from domain.quantities import parse_quantity
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork
from domain.webhooks import outbox

MAX_LINES = 500
NOTE_LENGTH = 1000


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: Decimal
    # None: the vendor's last cost for the product, if it has one.
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class DraftPurchaseOrder:
    location_id: int
    vendor_id: int
    lines: list[OrderLine]
    reference: str | None = None  # None: PO-<id>
    expected_date: date | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class EditPurchaseOrder:
    """Only what is given changes; ``lines`` replaces every line."""

    purchase_order_id: int
    lines: list[OrderLine] | None = None
    expected_date: date | None = None
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ChangePurchaseOrder:
    """Approve, send, close or cancel (``reason``: why it was closed short or cancelled)."""

    purchase_order_id: int
    reason: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PurchaseOrderSaved:
    purchase_order_id: int
    status: str
    webhook_deliveries: int = 0


def _text(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if len(text) > limit:
        raise ValidationError(name, f"at most {limit} characters")
    return text or None


def _lines(lines: list[OrderLine]) -> list[OrderLine]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationError("lines", f"1 to {MAX_LINES} lines")
    products = [line.product_id for line in lines]
    if len(set(products)) != len(products):
        raise ValidationError("lines", "a product appears on two lines")
    clean = []
    for i, line in enumerate(lines):
        quantity = parse_quantity(line.quantity, field=f"lines[{i}].quantity")
        cost = line.unit_cost
        if cost is not None:
            try:
                cost = parse_decimal(cost, places=4, maximum=MAX_UNIT_COST)
            except DecimalRefused:
                raise ValidationError(
                    f"lines[{i}].unitCost", f"must be 0 to {MAX_UNIT_COST} with at most 4 places"
                ) from None
        clean.append(OrderLine(line.product_id, quantity, cost))
    return clean


async def _check_products(conn: Any, operator_id: int, lines: list[OrderLine]) -> None:
    ids = [line.product_id for line in lines]
    found = {
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM product WHERE id = ANY($1::int[]) AND operator = $2", ids, operator_id
        )
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise NotFound("product", missing[0])


# A line as the change log shows it.
_LOGGED_LINE = "product AS product_id, expected_quantity AS quantity, unit_cost"


def _logged(rows: list[Any]) -> list[dict[str, Any]]:
    return sorted((dict(r) for r in rows), key=lambda line: line["product_id"])


async def _write_lines(
    conn: Any, order_id: int, location_id: int, vendor_id: int, lines: list[OrderLine]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The order's lines (replacing any), a missing cost taken from the vendor's last cost.

    Returns the lines before and after, for the change log (read off the statements' RETURNING:
    no extra query)."""
    removed = await conn.fetch(
        f"DELETE FROM purchase_order_line WHERE purchase_order = $1 RETURNING {_LOGGED_LINE}",
        order_id,
    )
    written = await conn.fetch(
        "INSERT INTO purchase_order_line (purchase_order, product, expected_quantity, unit_cost,"
        " received_quantity, rejected_quantity, short_quantity, location)"
        " SELECT $1, i.product, i.quantity, coalesce(i.cost, vp.last_cost), 0, 0, i.quantity,"
        " $6"
        " FROM unnest($3::int[], $4::numeric[], $5::numeric[]) WITH ORDINALITY"
        "   AS i(product, quantity, cost, n)"
        " LEFT JOIN vendor_product vp ON vp.vendor = $2 AND vp.product = i.product"
        f" ORDER BY i.n RETURNING {_LOGGED_LINE}",
        order_id,
        vendor_id,
        [line.product_id for line in lines],
        [line.quantity for line in lines],
        [line.unit_cost for line in lines],
        location_id,
    )
    return _logged(removed), _logged(written)


async def draft_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: DraftPurchaseOrder
) -> service.Outcome:
    """Start an order to one vendor for one licence: by hand, or from the reorder suggestions
    (a front end passes the suggested lines). Nothing is committed to until it is approved."""
    principal.require(Capability.ORDER_STOCK, cmd.location_id)
    lines = _lines(cmd.lines)
    note = _text(cmd.note, "note", NOTE_LENGTH)
    reference = _text(cmd.reference, "reference", 64)

    async def work(uow: UnitOfWork) -> PurchaseOrderSaved:
        conn = uow.conn
        vendor = await conn.fetchrow(
            "SELECT id, active FROM vendor WHERE id = $1 AND operator = $2",
            cmd.vendor_id,
            principal.operator_id,
        )
        if vendor is None:
            raise NotFound("vendor", str(cmd.vendor_id))
        if not vendor["active"]:
            raise ValidationError("vendorId", "this vendor is retired")
        await _check_products(conn, principal.operator_id, lines)
        order_id = returned(
            await conn.fetchval("SELECT nextval(pg_get_serial_sequence('purchase_order', 'id'))")
        )
        try:
            await conn.execute(
                "INSERT INTO purchase_order (id, location, vendor, reference, expected_date, note,"
                " status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6,"
                " 'draft', $7, now(), now())",
                order_id,
                cmd.location_id,
                cmd.vendor_id,
                reference or f"PO-{order_id}",
                cmd.expected_date,
                note,
                principal.user_id,
            )
        except asyncpg.UniqueViolationError:
            raise ValidationError("reference", "already used for an order here") from None
        _, written = await _write_lines(conn, order_id, cmd.location_id, cmd.vendor_id, lines)
        after = {
            "vendor_id": cmd.vendor_id,
            "reference": reference or f"PO-{order_id}",
            "expected_date": cmd.expected_date,
            "note": note,
            "status": PurchaseOrderStatus.DRAFT,
            "lines": written,
        }
        await changelog.change(
            uow,
            principal,
            "draftPurchaseOrder",
            "purchase order",
            order_id,
            location_id=cmd.location_id,
            after=after,
        )
        return PurchaseOrderSaved(order_id, str(PurchaseOrderStatus.DRAFT))

    return await service.run(uow, principal, "draftPurchaseOrder", cmd, work, PurchaseOrderSaved)


async def _visible(principal: Principal, purchase_order_id: int) -> int:
    """The order's location, when the caller has a grant there (else NotFound: an order at a
    store the caller cannot see is not revealed)."""
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM purchase_order WHERE id = $1", purchase_order_id
        )
    if location_id is None or principal.role_at(location_id) is None:
        raise NotFound("purchase order", str(purchase_order_id))
    return location_id


async def _lock(conn: Any, purchase_order_id: int) -> Any:
    return returned(
        await conn.fetchrow(
            "SELECT id, location, vendor, status, expected_date, note FROM purchase_order"
            " WHERE id = $1 FOR UPDATE",
            purchase_order_id,
        ),
        "purchase order",
    )


async def edit_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: EditPurchaseOrder
) -> service.Outcome:
    """Change a draft's lines, expected date or note (``PurchaseOrderNotEditable`` after)."""
    location_id = await _visible(principal, cmd.purchase_order_id)
    principal.require(Capability.ORDER_STOCK, location_id)
    lines = None if cmd.lines is None else _lines(cmd.lines)
    note = _text(cmd.note, "note", NOTE_LENGTH)

    async def work(uow: UnitOfWork) -> PurchaseOrderSaved:
        conn = uow.conn
        order = await _lock(conn, cmd.purchase_order_id)
        lifecycle.require_editable(order["id"], order["status"])
        before: dict[str, Any] = {"expected_date": order["expected_date"], "note": order["note"]}
        after: dict[str, Any] = {}
        if lines is not None:
            await _check_products(conn, principal.operator_id, lines)
            before["lines"], after["lines"] = await _write_lines(
                conn, order["id"], order["location"], order["vendor"], lines
            )
        edited = await conn.fetchrow(
            "UPDATE purchase_order SET expected_date = coalesce($2, expected_date),"
            " note = coalesce($3, note), updated_at = now() WHERE id = $1"
            " RETURNING expected_date, note",
            order["id"],
            cmd.expected_date,
            note,
        )
        after.update(dict(returned(edited, "purchase order")))
        await changelog.change(
            uow,
            principal,
            "editPurchaseOrder",
            "purchase order",
            order["id"],
            location_id=order["location"],
            before=before,
            after=after,
        )
        return PurchaseOrderSaved(order["id"], order["status"])

    return await service.run(uow, principal, "editPurchaseOrder", cmd, work, PurchaseOrderSaved)


# Who may take each step (cancelling is decided by the order's status: see ``_cancel_needs``).
_NEEDS = {
    Action.APPROVE: Capability.APPROVE_PURCHASE_ORDERS,
    Action.SEND: Capability.ORDER_STOCK,
    Action.CLOSE: Capability.APPROVE_PURCHASE_ORDERS,
}
# The columns each step stamps with its time, and its actor or reason ($3).
_STAMPS = {
    Action.APPROVE: "approved_at = now(), approved_by = $3",
    Action.SEND: "sent_at = now(), sent_by = $3",
    Action.CLOSE: "closed_at = now(), reason = coalesce($3, reason)",
    Action.CANCEL: "cancelled_at = now(), reason = coalesce($3, reason)",
}


def _cancel_needs(status: str) -> Capability:
    """Whoever drafts may drop a draft; an approved order is withdrawn by an approver."""
    if status == PurchaseOrderStatus.DRAFT:
        return Capability.ORDER_STOCK
    return Capability.APPROVE_PURCHASE_ORDERS


async def _step(
    uow: UnitOfWork, principal: Principal, cmd: ChangePurchaseOrder, action: Action, name: str
) -> service.Outcome:
    location_id = await _visible(principal, cmd.purchase_order_id)
    if action != Action.CANCEL:
        principal.require(_NEEDS[action], location_id)
    reason = _text(cmd.reason, "reason", NOTE_LENGTH)

    async def work(uow: UnitOfWork) -> PurchaseOrderSaved:
        conn = uow.conn
        order = await _lock(conn, cmd.purchase_order_id)
        if action == Action.CANCEL:
            principal.require(_cancel_needs(order["status"]), location_id)
        target = lifecycle.transition(order["id"], order["status"], action)
        await conn.execute(
            f"UPDATE purchase_order SET status = $2, {_STAMPS[action]}, updated_at = now()"
            " WHERE id = $1",
            order["id"],
            str(target),
            principal.user_id if action in (Action.APPROVE, Action.SEND) else reason,
        )
        # Who and when are the log row's own; the status moved, and why (closing, cancelling).
        await changelog.change(
            uow,
            principal,
            name,
            "purchase order",
            order["id"],
            location_id=order["location"],
            before={"status": order["status"]},
            after={"status": target, "reason": reason},
        )
        deliveries = await _announce_sent(uow, order["id"]) if action == Action.SEND else 0
        return PurchaseOrderSaved(order["id"], str(target), deliveries)

    return await service.run(uow, principal, name, cmd, work, PurchaseOrderSaved)


async def _announce_sent(uow: UnitOfWork, purchase_order_id: int) -> int:
    """The ``purchase_order.sent`` webhook, recorded in the sending transaction."""
    found = returned(await document.order_document(purchase_order_id), "purchase order")
    order, vendor = found.order, found.vendor
    payload = {
        "purchase_order_id": order.id,
        "reference": order.reference,
        "location_id": order.location_id,
        "buyer": {"name": found.buyer.operator_name, "license_number": found.buyer.license_number},
        "vendor": {
            "id": vendor.id,
            "name": vendor.name,
            "license_number": vendor.license_number,
            "contact_email": vendor.contact_email,
            "payment_terms": vendor.payment_terms,
        },
        "expected_date": order.expected_date,
        "sent_at": order.sent_at,
        "total_cost": order.total_cost,
        "lines": [
            {
                "product_id": line.product_id,
                "sku": line.sku,
                "vendor_sku": line.vendor_sku,
                "name": line.product_name,
                "quantity": line.expected_quantity,
                "unit": line.unit,
                "unit_cost": line.unit_cost,
            }
            for line in order.lines
        ],
    }
    return await outbox.record(
        uow, order.location_id, "purchase_order.sent", f"purchase_order:{order.id}:sent", payload
    )


async def approve_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: ChangePurchaseOrder
) -> service.Outcome:
    """A manager signs the draft off: its quantities and prices may now be sent."""
    return await _step(uow, principal, cmd, Action.APPROVE, "approvePurchaseOrder")


async def send_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: ChangePurchaseOrder
) -> service.Outcome:
    """The approved order goes to the vendor: the partner webhook is queued with the status
    change (and the PDF is what ``purchaseOrderPdf`` renders). Its lead time starts now."""
    return await _step(uow, principal, cmd, Action.SEND, "sendPurchaseOrder")


async def close_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: ChangePurchaseOrder
) -> service.Outcome:
    """Nothing more will come: what was not received stops counting as on order."""
    return await _step(uow, principal, cmd, Action.CLOSE, "closePurchaseOrder")


async def cancel_purchase_order(
    uow: UnitOfWork, principal: Principal, cmd: ChangePurchaseOrder
) -> service.Outcome:
    """Drop a draft, or withdraw an approved order before it is sent."""
    return await _step(uow, principal, cmd, Action.CANCEL, "cancelPurchaseOrder")
