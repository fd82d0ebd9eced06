"""A store orders from its vendor: a lead drafts, a manager approves, the order is sent (a
partner webhook and a PDF), and every illegal step is refused without writing anything."""

from __future__ import annotations

from decimal import Decimal

import pypdfium2
import pytest

from domain import db, errors
from domain.purchasing import document, orders
from domain.roles import Role
from domain.webhooks import services as webhooks
from tests.purchasing import helpers
from tests.support.units import new_uow


async def _snapshot() -> list:
    """Everything an order step could write."""
    async with db.connection() as conn:
        return [
            await conn.fetch("SELECT * FROM purchase_order ORDER BY id"),
            await conn.fetch("SELECT * FROM purchase_order_line ORDER BY id"),
            await conn.fetch("SELECT * FROM webhook_delivery ORDER BY id"),
            await conn.fetch("SELECT * FROM idempotency_record ORDER BY 1"),
        ]


def _change(order_id: int, key: str | None = None) -> orders.ChangePurchaseOrder:
    return orders.ChangePurchaseOrder(order_id, idempotency_key=key)


async def test_a_lead_drafts_a_manager_approves_and_the_vendor_is_told(world):
    vendor_id = await helpers.vendor(world)
    await helpers.carries(world, vendor_id, world.product_id, cost="4.2500")
    await webhooks.create_endpoint(
        new_uow(),
        world.as_(Role.MANAGER),
        webhooks.CreateEndpoint(
            world.ca.location_id, "https://portal.example/po", ("purchase_order.sent",)
        ),
    )
    order_id = await helpers.draft(world, vendor_id, {world.product_id: "24"})

    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    await orders.approve_purchase_order(new_uow(), manager, _change(order_id))
    sent = await orders.send_purchase_order(new_uow(), lead, _change(order_id, "send-1"))
    again = await orders.send_purchase_order(new_uow(), lead, _change(order_id, "send-1"))

    assert (sent.value.status, sent.value.webhook_deliveries) == ("sent", 1)
    assert again.replayed
    assert again.value == sent.value
    async with db.connection() as conn:
        delivery = await conn.fetchrow(
            "SELECT event, event_id, payload FROM webhook_delivery WHERE location = $1",
            world.ca.location_id,
        )
    assert (delivery["event"], delivery["event_id"]) == (
        "purchase_order.sent",
        f"purchase_order:{order_id}:sent",
    )
    payload = delivery["payload"]
    assert payload["vendor"]["name"] == "Emerald Farms"
    assert payload["lines"][0]["quantity"] == "24.000"
    assert payload["lines"][0]["unit_cost"] == "4.2500"  # the vendor's last cost
    assert payload["total_cost"] == "102.00"

    found = await document.order_document(order_id)
    assert found is not None
    pdf = pypdfium2.PdfDocument(document.render(found))
    text = pdf[0].get_textpage().get_text_range()
    assert f"Purchase order PO-{order_id}" in text
    assert "Emerald Farms" in text
    assert "Net 30" in text
    assert "102.00" in text
    assert document.render(found) == document.render(found)  # same order, same bytes


async def test_only_a_manager_approves(world):
    vendor_id = await helpers.vendor(world)
    order_id = await helpers.draft(world, vendor_id, {world.product_id: "5"})
    before = await _snapshot()

    with pytest.raises(errors.PermissionDenied):
        await orders.approve_purchase_order(
            new_uow(), world.as_(Role.INVENTORY_LEAD), _change(order_id)
        )

    assert await _snapshot() == before
    assert await helpers.status(order_id) == "draft"


async def test_a_sent_order_is_not_edited_and_nothing_changes(world):
    vendor_id = await helpers.vendor(world)
    order_id = await helpers.sent(world, vendor_id, {world.product_id: "5"})
    before = await _snapshot()

    with pytest.raises(errors.PurchaseOrderNotEditable) as refused:
        await orders.edit_purchase_order(
            new_uow(),
            world.as_(Role.INVENTORY_LEAD),
            orders.EditPurchaseOrder(
                order_id, lines=[orders.OrderLine(world.product_id, Decimal(500))], note="more"
            ),
        )

    assert refused.value.status == "sent"
    assert await _snapshot() == before


@pytest.mark.parametrize(
    ("step", "reached", "to"),
    [
        ("send", "draft", "sent"),  # not approved yet
        ("approve", "sent", "approved"),  # approved twice
        ("cancel", "sent", "cancelled"),  # the vendor has it: close instead
        ("close", "draft", "closed"),  # never sent
        ("send", "cancelled", "sent"),
    ],
)
async def test_each_illegal_step_is_refused_naming_where_the_order_is(world, step, reached, to):
    vendor_id = await helpers.vendor(world)
    order_id = await helpers.draft(world, vendor_id, {world.product_id: "5"})
    manager = world.as_(Role.MANAGER)
    if reached == "sent":
        await orders.approve_purchase_order(new_uow(), manager, _change(order_id))
        await orders.send_purchase_order(new_uow(), manager, _change(order_id))
    elif reached == "cancelled":
        await orders.cancel_purchase_order(new_uow(), manager, _change(order_id))
    service = getattr(orders, f"{step}_purchase_order")
    before = await _snapshot()

    with pytest.raises(errors.IllegalPurchaseOrderTransition) as refused:
        await service(new_uow(), manager, _change(order_id, f"{step}-key"))

    assert (refused.value.from_status, refused.value.to_status) == (reached, to)
    assert await _snapshot() == before


async def test_a_draft_is_edited_and_an_approved_order_is_withdrawn_only_by_a_manager(world):
    vendor_id = await helpers.vendor(world)
    other = await helpers.product(world, "PR-1G")
    order_id = await helpers.draft(world, vendor_id, {world.product_id: "5"})
    lead = world.as_(Role.INVENTORY_LEAD)

    await orders.edit_purchase_order(
        new_uow(),
        lead,
        orders.EditPurchaseOrder(
            order_id,
            lines=[
                orders.OrderLine(world.product_id, Decimal(12), Decimal("4.00")),
                orders.OrderLine(other, Decimal(6)),
            ],
        ),
    )
    await orders.approve_purchase_order(new_uow(), world.as_(Role.MANAGER), _change(order_id))
    with pytest.raises(errors.PermissionDenied):
        await orders.cancel_purchase_order(new_uow(), lead, _change(order_id))
    await orders.cancel_purchase_order(
        new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(order_id, "price rose")
    )

    async with db.connection() as conn:
        lines = await conn.fetch(
            "SELECT product, expected_quantity, unit_cost FROM purchase_order_line"
            " WHERE purchase_order = $1 ORDER BY id",
            order_id,
        )
        reason = await conn.fetchval("SELECT reason FROM purchase_order WHERE id = $1", order_id)
    assert [tuple(r) for r in lines] == [
        (world.product_id, Decimal("12.000"), Decimal("4.0000")),
        (other, Decimal("6.000"), None),
    ]
    assert (await helpers.status(order_id), reason) == ("cancelled", "price rose")


async def test_a_draft_for_another_operators_vendor_or_product_is_not_found(world):
    theirs = await helpers.vendor(world)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE vendor SET operator = $2 WHERE id = $1", theirs, world.co.operator_id
        )
        co_product = await conn.fetchval(
            "SELECT id FROM product WHERE operator = $1", world.co.operator_id
        )
    mine = await helpers.vendor(world, "Own Vendor")
    lead = world.as_(Role.INVENTORY_LEAD)
    for vendor_id, product_id in ((theirs, world.product_id), (mine, co_product)):
        with pytest.raises(errors.NotFound):
            await orders.draft_purchase_order(
                new_uow(),
                lead,
                orders.DraftPurchaseOrder(
                    world.ca.location_id, vendor_id, [orders.OrderLine(product_id, Decimal(1))]
                ),
            )
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM purchase_order") == 0
