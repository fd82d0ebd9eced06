"""The change-log table's rows for purchasing, ordering policy, the floor display and audit
packets (the features that came after the change log), each a step as the store's staff take it.

Each returns what its one change-log row should say; ``test_mutations_logged`` runs them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from domain.display import services as display
from domain.ordering import policy
from domain.packet import services as packets
from domain.purchasing import orders, receipts, vendors
from domain.receiving import shipments
from domain.roles import Role
from tests.changelog.helpers import Expect
from tests.packet.helpers import store_today
from tests.purchasing.helpers import carries, draft, sent, vendor
from tests.support.units import new_uow


def _line(product_id: int, quantity: str, cost: str | None) -> dict[str, Any]:
    return {"product_id": product_id, "quantity": quantity, "unit_cost": cost}


async def create_vendor(world) -> Expect:
    await vendors.create_vendor(
        new_uow(),
        world.as_(Role.MANAGER),
        vendors.CreateVendor(
            vendors.VendorFields(
                name="  Log  Farms ",
                license_number="C11-0000001-LIC",
                order_weekdays=(3, 0),
                default_lead_time_days=4,
                payment_terms="Net 15",
            )
        ),
    )
    after = {
        "name": "Log Farms",
        "license_number": "C11-0000001-LIC",
        "order_weekdays": [0, 3],
        "default_lead_time_days": 4,
        "payment_terms": "Net 15",
    }
    return Expect("createVendor", "vendor", None, after, located=False)


async def update_vendor(world) -> Expect:
    vendor_id = await vendor(world)
    await vendors.update_vendor(
        new_uow(),
        world.as_(Role.MANAGER),
        vendors.UpdateVendor(vendor_id, {"payment_terms": "Net 45", "active": False}),
    )
    return Expect(
        "updateVendor",
        "vendor",
        {"payment_terms": "Net 30", "active": True},
        {"payment_terms": "Net 45", "active": False},
        located=False,
    )


async def set_vendor_product(world) -> Expect:
    vendor_id = await vendor(world)
    await carries(world, vendor_id, world.product_id, cost="4.5", preferred=True)
    after = {
        "case_pack": "12",
        "minimum_order": "24",
        "last_cost": "4.5",
        "vendor_sku": f"V-{world.product_id}",
        "preferred": True,
    }
    return Expect("setVendorProduct", "vendor product", None, after, located=False)


async def remove_vendor_product(world) -> Expect:
    vendor_id = await vendor(world)
    await carries(world, vendor_id, world.product_id)
    await vendors.remove_vendor_product(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        vendors.RemoveVendorProduct(vendor_id, world.product_id),
    )
    before = {
        "case_pack": "12",
        "minimum_order": "24",
        "last_cost": "4.25",
        "vendor_sku": f"V-{world.product_id}",
        "preferred": False,
    }
    return Expect("removeVendorProduct", "vendor product", before, None, located=False)


async def draft_purchase_order(world) -> Expect:
    vendor_id = await vendor(world)
    await carries(world, vendor_id, world.product_id)
    outcome = await orders.draft_purchase_order(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        orders.DraftPurchaseOrder(
            world.ca.location_id,
            vendor_id,
            [orders.OrderLine(world.product_id, Decimal(24))],
            expected_date=date(2030, 5, 4),
        ),
    )
    order_id = outcome.value.purchase_order_id
    after = {
        "vendor_id": vendor_id,
        "reference": f"PO-{order_id}",
        "expected_date": "2030-05-04",
        "status": "draft",
        # The cost the order took from the vendor's last cost.
        "lines": [_line(world.product_id, "24", "4.25")],
    }
    return Expect("draftPurchaseOrder", "purchase order", None, after)


async def edit_purchase_order(world) -> Expect:
    order_id = await draft(world, await vendor(world), {world.product_id: "10"})
    await orders.edit_purchase_order(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        orders.EditPurchaseOrder(
            order_id,
            lines=[orders.OrderLine(world.product_id, Decimal(12), Decimal("3.5"))],
            note="call before delivery",
        ),
    )
    return Expect(
        "editPurchaseOrder",
        "purchase order",
        {"lines": [_line(world.product_id, "10", None)], "note": None},
        {"lines": [_line(world.product_id, "12", "3.5")], "note": "call before delivery"},
    )


async def approve_purchase_order(world) -> Expect:
    order_id = await draft(world, await vendor(world), {world.product_id: "10"})
    await orders.approve_purchase_order(
        new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(order_id)
    )
    return Expect(
        "approvePurchaseOrder", "purchase order", {"status": "draft"}, {"status": "approved"}
    )


async def send_purchase_order(world) -> Expect:
    await sent(world, await vendor(world), {world.product_id: "10"})
    return Expect("sendPurchaseOrder", "purchase order", {"status": "approved"}, {"status": "sent"})


async def close_purchase_order(world) -> Expect:
    order_id = await sent(world, await vendor(world), {world.product_id: "10"})
    await orders.close_purchase_order(
        new_uow(),
        world.as_(Role.MANAGER),
        orders.ChangePurchaseOrder(order_id, reason="vendor out of stock"),
    )
    return Expect(
        "closePurchaseOrder",
        "purchase order",
        {"status": "sent"},
        {"status": "closed", "reason": "vendor out of stock"},
    )


async def cancel_purchase_order(world) -> Expect:
    order_id = await draft(world, await vendor(world), {world.product_id: "10"})
    await orders.cancel_purchase_order(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        orders.ChangePurchaseOrder(order_id, reason="ordered twice"),
    )
    return Expect(
        "cancelPurchaseOrder",
        "purchase order",
        {"status": "draft"},
        {"status": "cancelled", "reason": "ordered twice"},
    )


async def link_shipment_to_purchase_order(world) -> Expect:
    order_id = await sent(world, await vendor(world), {world.product_id: "10"})
    lead = world.as_(Role.INVENTORY_LEAD)
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            location_id=world.ca.location_id,
            manifest_number="LOG-M-1",
            packages=[
                shipments.ManifestPackage(
                    "1A4FF0100000077900000001",
                    "Item",
                    Decimal(10),
                    "grams",
                    lab_state="TestPassed",
                    product_id=world.product_id,
                )
            ],
        ),
    )
    await receipts.link_shipment(
        new_uow(), lead, receipts.LinkShipment(created.value.shipment_id, order_id)
    )
    return Expect(
        "linkShipmentToPurchaseOrder",
        "shipment",
        {"purchase_order_id": None},
        {"purchase_order_id": order_id},
    )


async def set_ordering_policy(world) -> Expect:
    await policy.set_ordering_policy(
        new_uow(),
        world.as_(Role.MANAGER),
        policy.SetOrderingPolicy(world.ca.location_id, "flower", Decimal("0.98")),
    )
    # None before: the category had the default level.
    return Expect(
        "setOrderingPolicy", "ordering policy", {"service_level": None}, {"service_level": "0.98"}
    )


async def set_floor_display(world) -> Expect:
    await display.set_floor_display(
        new_uow(),
        world.as_(Role.MANAGER),
        display.SetFloorDisplay(world.ca.location_id, expiring_days=7, expiring_mode="hide"),
    )
    return Expect(
        "setFloorDisplay", "floor display", None, {"expiring_days": 7, "expiring_mode": "hide"}
    )


async def request_audit_packet(world) -> Expect:
    today = store_today()
    await packets.request_audit_packet(
        new_uow(),
        world.as_(Role.COMPLIANCE),
        packets.RequestAuditPacket(world.ca.location_id, today, today),
    )
    day = today.isoformat()
    return Expect(
        "requestAuditPacket",
        "audit packet",
        None,
        {"first_day": day, "last_day": day, "status": "queued"},
    )


MUTATIONS: list[Callable[[Any], Awaitable[Expect]]] = [
    create_vendor,
    update_vendor,
    set_vendor_product,
    remove_vendor_product,
    draft_purchase_order,
    edit_purchase_order,
    approve_purchase_order,
    send_purchase_order,
    close_purchase_order,
    cancel_purchase_order,
    link_shipment_to_purchase_order,
    set_ordering_policy,
    set_floor_display,
    request_audit_packet,
]
