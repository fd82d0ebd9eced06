"""Purchasing through GraphQL: the office keeps vendors and orders; refusals are union
members; each caller sees only their operator's vendors and their own stores' orders."""

from __future__ import annotations

import base64

from domain import db
from domain.roles import Role
from tests.purchasing import helpers
from tests.support.second_store import open_second_store

CREATE_VENDOR = """mutation($input: CreateVendorInput!) { createVendor(input: $input) {
  __typename ... on VendorPayload { vendor { id name orderWeekdays paymentTerms } }
  ... on UserError { message } } }"""
SET_PRODUCT = """mutation($input: SetVendorProductInput!) { setVendorProduct(input: $input) {
  __typename ... on VendorPayload { vendor { products { sku casePack minimumOrder lastCost
  preferred } leadTime { days learned } } } ... on UserError { message } } }"""
DRAFT = """mutation($input: DraftPurchaseOrderInput!) { draftPurchaseOrder(input: $input) {
  __typename ... on PurchaseOrderPayload { purchaseOrder { id reference status totalCost
  lines { expectedQuantity unitCost vendorSku } createdBy { email } } }
  ... on UserError { message } } }"""
STEP = """mutation($input: PurchaseOrderActionInput!) { %s(input: $input) {
  __typename ... on PurchaseOrderPayload { webhookDeliveries purchaseOrder { status
  approvedBy { email } } }
  ... on IllegalPurchaseOrderTransition { fromStatus toStatus }
  ... on UserError { message } } }"""
EDIT = """mutation($input: EditPurchaseOrderInput!) { editPurchaseOrder(input: $input) {
  __typename ... on PurchaseOrderNotEditable { purchaseOrderId status message } } }"""
ORDERS = """query($ids: [ID!]) { purchaseOrders(locationIds: $ids) { nodes { id status } } }"""
ORDER = """query($id: ID!) { purchaseOrder(id: $id) { status vendorName }
  purchaseOrderPdf(purchaseOrderId: $id) { filename contentType base64 } }"""
VENDORS = "{ vendors { name } }"


async def test_the_office_orders_through_the_api(api, world):
    manager, lead = world.ca.token(Role.MANAGER), world.ca.token(Role.INVENTORY_LEAD)
    created = await api(
        CREATE_VENDOR,
        {"input": {"name": "Emerald Farms", "orderWeekdays": [3, 0, 3], "paymentTerms": "COD"}},
        token=manager,
    )
    vendor = created["data"]["createVendor"]["vendor"]
    assert (vendor["orderWeekdays"], vendor["paymentTerms"]) == ([0, 3], "COD")
    refused = await api(CREATE_VENDOR, {"input": {"name": "Lead's Pick"}}, token=lead)
    assert refused["data"]["createVendor"]["__typename"] == "PermissionDenied"

    product = {"vendorId": vendor["id"], "productId": str(world.product_id)}
    carried = await api(
        SET_PRODUCT,
        {"input": {**product, "casePack": "6", "minimumOrder": "12", "lastCost": "4.5"}},
        token=lead,
    )
    assert carried["data"]["setVendorProduct"]["vendor"] == {
        "products": [
            {
                "sku": "FL-OG-3.5",
                "casePack": "6.000",
                "minimumOrder": "12.000",
                "lastCost": "4.5000",
                "preferred": False,
            }
        ],
        "leadTime": {"days": "7", "learned": False},
    }

    drafted = await api(
        DRAFT,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "vendorId": vendor["id"],
                "lines": [{"productId": str(world.product_id), "quantity": "12"}],
            }
        },
        token=lead,
    )
    order = drafted["data"]["draftPurchaseOrder"]["purchaseOrder"]
    assert (order["status"], order["totalCost"]) == ("DRAFT", "54.00")
    assert order["lines"] == [
        {"expectedQuantity": "12.000", "unitCost": "4.5000", "vendorSku": None}
    ]
    action = {"input": {"purchaseOrderId": order["id"]}}

    by_lead = await api(STEP % "approvePurchaseOrder", action, token=lead)
    assert by_lead["data"]["approvePurchaseOrder"]["__typename"] == "PermissionDenied"
    unapproved = await api(STEP % "sendPurchaseOrder", action, token=lead)
    assert unapproved["data"]["sendPurchaseOrder"] == {
        "__typename": "IllegalPurchaseOrderTransition",
        "fromStatus": "draft",
        "toStatus": "sent",
        "message": f"purchase order {order['id']} is draft: it cannot become sent",
    }
    approved = await api(STEP % "approvePurchaseOrder", action, token=manager)
    assert approved["data"]["approvePurchaseOrder"]["purchaseOrder"] == {
        "status": "APPROVED",
        "approvedBy": {"email": "manager@greenleaf.test"},
    }
    sent = await api(STEP % "sendPurchaseOrder", action, token=lead)
    assert sent["data"]["sendPurchaseOrder"]["purchaseOrder"]["status"] == "SENT"
    edit = await api(EDIT, {"input": {**action["input"], "note": "more please"}}, token=lead)
    assert edit["data"]["editPurchaseOrder"]["__typename"] == "PurchaseOrderNotEditable"
    assert edit["data"]["editPurchaseOrder"]["status"] == "sent"

    shown = (await api(ORDER, {"id": order["id"]}, token=world.ca.token(Role.AUDITOR)))["data"]
    assert shown["purchaseOrder"] == {"status": "SENT", "vendorName": "Emerald Farms"}
    pdf = shown["purchaseOrderPdf"]
    assert (pdf["filename"], pdf["contentType"]) == (
        f"purchase-order-PO-{order['id']}.pdf",
        "application/pdf",
    )
    assert base64.b64decode(pdf["base64"]).startswith(b"%PDF")


async def test_each_caller_sees_only_their_operators_vendors_and_their_stores_orders(api, world):
    vendor_id = await helpers.vendor(world, "Emerald Farms")
    order_id = await helpers.draft(world, vendor_id, {world.product_id: "3"})
    oakland = await open_second_store(world)
    oakland_lead = oakland.token(Role.INVENTORY_LEAD)
    stranger = world.co.token(Role.ADMIN)

    # Vendors are the operator's: the sibling store's staff see them, another operator's do not.
    assert (await api(VENDORS, {}, token=oakland_lead))["data"]["vendors"] == [
        {"name": "Emerald Farms"}
    ]
    assert (await api(VENDORS, {}, token=stranger))["data"]["vendors"] == []

    # Orders are the store's: only staff granted there see them.
    ca = world.ca.token(Role.BUDTENDER)
    assert (await api(ORDERS, {"ids": None}, token=ca))["data"]["purchaseOrders"]["nodes"] == [
        {"id": str(order_id), "status": "DRAFT"}
    ]
    for token in (oakland_lead, stranger):
        listed = await api(ORDERS, {"ids": None}, token=token)
        assert listed["data"]["purchaseOrders"]["nodes"] == []
        hidden = await api(ORDER, {"id": str(order_id)}, token=token)
        assert hidden["data"] == {"purchaseOrder": None, "purchaseOrderPdf": None}
    asked = await api(ORDERS, {"ids": [str(world.ca.location_id)]}, token=oakland_lead)
    assert asked["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The admin granted at both stores sees both stores' orders at once.
    both = await api(ORDERS, {"ids": None}, token=world.ca.token(Role.ADMIN))
    assert [n["id"] for n in both["data"]["purchaseOrders"]["nodes"]] == [str(order_id)]


async def test_bad_input_is_a_typed_refusal_and_writes_nothing(api, world):
    manager = world.ca.token(Role.MANAGER)
    vendor_id = await helpers.vendor(world)
    line = {"productId": str(world.product_id), "quantity": "12"}
    draft = {"locationId": str(world.ca.location_id), "vendorId": str(vendor_id)}
    cases = [
        (DRAFT, {**draft, "lines": [{**line, "quantity": "0"}]}, "InvalidQuantity"),
        (DRAFT, {**draft, "lines": [{**line, "unitCost": "1.23456"}]}, "ValidationError"),
        (DRAFT, {**draft, "lines": [line, line]}, "ValidationError"),
        (DRAFT, {**draft, "lines": []}, "ValidationError"),
        (DRAFT, {**draft, "vendorId": "999999", "lines": [line]}, "NotFound"),
        (CREATE_VENDOR, {"name": "Weekend Co", "orderWeekdays": [7]}, "ValidationError"),
        (CREATE_VENDOR, {"name": "Slow Co", "defaultLeadTimeDays": 400}, "ValidationError"),
        (CREATE_VENDOR, {"name": "  "}, "ValidationError"),
        (CREATE_VENDOR, {"name": "Emerald Farms"}, "ValidationError"),  # the name is taken
    ]
    for document, values, refusal in cases:
        result = await api(document, {"input": values}, token=manager)
        assert "errors" not in result, result
        (answer,) = result["data"].values()
        assert answer["__typename"] == refusal, (values, answer)

    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM purchase_order") == 0
        assert await conn.fetchval("SELECT count(*) FROM vendor") == 1
