"""Authorization matrix entries for vendors and purchase orders (registered by authz_cases.py).

Vendors are operator-wide: managers and admins keep the list; whoever keeps the catalogue
(leads too) records how a vendor sells a product. Orders belong to a store: leads, managers
and admins draft, edit and send them; managers and admins approve and close them."""

from __future__ import annotations

from decimal import Decimal

from domain.purchasing import orders, vendors
from domain.roles import Role
from tests.api.authz_cases import (
    CATALOG,
    LOCATION_ADMINS,
    VAULT_STAFF,
    Case,
    Places,
    _by_input,
    fresh,
)
from tests.support.units import new_uow

ORDERERS = frozenset({Role.INVENTORY_LEAD, Role.MANAGER, Role.ADMIN})


async def _vendor(places: Places, loc: int) -> int:
    created = await vendors.create_vendor(
        new_uow(),
        places.admin(loc),
        vendors.CreateVendor(vendors.VendorFields(name=fresh("Vendor"))),
    )
    return created.value.vendor_id


async def _order(places: Places, loc: int, *, steps: tuple[str, ...] = ()) -> int:
    admin = places.admin(loc)
    drafted = await orders.draft_purchase_order(
        new_uow(),
        admin,
        orders.DraftPurchaseOrder(
            loc,
            await _vendor(places, loc),
            [orders.OrderLine(places.world.product_id, Decimal(12))],
        ),
    )
    order_id = drafted.value.purchase_order_id
    for step in steps:
        service = getattr(orders, f"{step}_purchase_order")
        await service(new_uow(), admin, orders.ChangePurchaseOrder(order_id))
    return order_id


async def _create_vendor(places: Places, loc, role):
    return {"name": fresh("Vendor"), "orderWeekdays": [1, 4], "paymentTerms": "Net 15"}


async def _update_vendor(places: Places, loc, role):
    return {"id": str(await _vendor(places, loc)), "changes": {"contactPhone": "555-0100"}}


async def _set_vendor_product(places: Places, loc, role):
    return {
        "vendorId": str(await _vendor(places, loc)),
        "productId": str(places.world.product_id),
        "casePack": "12",
        "lastCost": "4.50",
    }


async def _remove_vendor_product(places: Places, loc, role):
    vendor_id = await _vendor(places, loc)
    await vendors.set_vendor_product(
        new_uow(), places.admin(loc), vendors.SetVendorProduct(vendor_id, places.world.product_id)
    )
    return {"vendorId": str(vendor_id), "productId": str(places.world.product_id)}


async def _draft(places: Places, loc, role):
    return {
        "locationId": str(loc),
        "vendorId": str(await _vendor(places, loc)),
        "lines": [{"productId": str(places.world.product_id), "quantity": "24"}],
    }


async def _edit(places: Places, loc, role):
    return {"purchaseOrderId": str(await _order(places, loc)), "note": "call before delivery"}


def _action(*steps: str):
    async def build(places: Places, loc, role):
        return {"purchaseOrderId": str(await _order(places, loc, steps=steps))}

    return build


async def _link(places: Places, loc, role):
    shipment = await places.shipment(loc)
    order_id = await _order(places, loc, steps=("approve", "send"))
    return {"shipmentId": shipment["shipment_id"], "purchaseOrderId": str(order_id)}


CASES: dict[str, Case] = {
    "createVendor": _by_input(
        "createVendor", "CreateVendorInput", _create_vendor, LOCATION_ADMINS, located=False
    ),
    "updateVendor": _by_input(
        "updateVendor", "UpdateVendorInput", _update_vendor, LOCATION_ADMINS, located=False
    ),
    "setVendorProduct": _by_input(
        "setVendorProduct", "SetVendorProductInput", _set_vendor_product, CATALOG, located=False
    ),
    "removeVendorProduct": _by_input(
        "removeVendorProduct",
        "RemoveVendorProductInput",
        _remove_vendor_product,
        CATALOG,
        located=False,
    ),
    "draftPurchaseOrder": _by_input(
        "draftPurchaseOrder", "DraftPurchaseOrderInput", _draft, ORDERERS
    ),
    "editPurchaseOrder": _by_input(
        "editPurchaseOrder", "EditPurchaseOrderInput", _edit, ORDERERS, hidden=True
    ),
    "approvePurchaseOrder": _by_input(
        "approvePurchaseOrder",
        "PurchaseOrderActionInput",
        _action(),
        LOCATION_ADMINS,
        hidden=True,
    ),
    "sendPurchaseOrder": _by_input(
        "sendPurchaseOrder", "PurchaseOrderActionInput", _action("approve"), ORDERERS, hidden=True
    ),
    "closePurchaseOrder": _by_input(
        "closePurchaseOrder",
        "PurchaseOrderActionInput",
        _action("approve", "send"),
        LOCATION_ADMINS,
        hidden=True,
    ),
    "cancelPurchaseOrder": _by_input(
        "cancelPurchaseOrder", "PurchaseOrderActionInput", _action(), ORDERERS, hidden=True
    ),
    "linkShipmentToPurchaseOrder": _by_input(
        "linkShipmentToPurchaseOrder", "LinkShipmentInput", _link, VAULT_STAFF, hidden=True
    ),
}
