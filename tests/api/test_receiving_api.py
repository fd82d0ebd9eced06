"""The dock tablet's flow through the API, from a CSV manifest to stock in the vault."""

from __future__ import annotations

import asyncio

from domain import db
from domain.roles import Role

CREATE = """mutation($input: CreateShipmentInput!) { createShipment(input: $input) {
  __typename ... on ShipmentPayload { shipment { id status packages { tag productId } } }
  ... on ValidationError { field reason } } }"""
START = """mutation($input: StartReceivingInput!) { startReceiving(input: $input) {
  ... on ShipmentPayload { shipment { session { id } } } } }"""
ANSWER = """mutation($input: AnswerChecklistInput!) { answerChecklist(input: $input) {
  __typename } }"""
SCAN = """mutation($input: ScanPackageInput!) { scanPackage(input: $input) {
  __typename ... on ScanPayload { destination receivedQuantity }
  ... on UserError { message } } }"""
COMPLETE = """mutation($input: CompleteReceivingInput!) { completeReceiving(input: $input) {
  __typename ... on ShipmentPayload { shipment { status session { stateTaskJson } } }
  ... on ReceivingIncomplete { missing } ... on AlreadyCompleted { shipmentId } } }"""


async def _shipment(api, world, token) -> tuple[str, str]:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE product SET name = 'House Flower' WHERE id = $1", world.product_id
        )
    csv = (
        "tag,item_name,shipped_quantity,unit,lab_state\n"
        "1A4FF0100000055000000001,House Flower,28,grams,TestPassed\n"
        "1A4FF0100000055000000002,House Flower,14,grams,TestPassed\n"
    )
    created = await api(
        CREATE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "manifestNumber": "M-1",
                "csv": csv,
                "shipperName": "Emerald Farms",
            }
        },
        token=token,
    )
    shipment = created["data"]["createShipment"]["shipment"]
    assert [p["productId"] for p in shipment["packages"]] == [str(world.product_id)] * 2
    started = await api(START, {"input": {"shipmentId": shipment["id"]}}, token=token)
    return shipment["id"], started["data"]["startReceiving"]["shipment"]["session"]["id"]


async def test_a_csv_manifest_is_received_into_the_vault(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    _, session = await _shipment(api, world, token)
    checklist = await api(
        "query($loc: ID!) { receivingChecklist(locationId: $loc) { key required } }",
        {"loc": str(world.ca.location_id)},
        token=token,
    )
    for item in checklist["data"]["receivingChecklist"]:
        await api(
            ANSWER,
            {"input": {"sessionId": session, "key": item["key"], "answer": "YES"}},
            token=token,
        )
    scans = await asyncio.gather(
        *[
            api(
                SCAN,
                {"input": {"sessionId": session, "tag": tag, "decision": "ACCEPT"}},
                token=token,
            )
            for tag in ("1A4FF0100000055000000001", "1A4FF0100000055000000002")
        ]
    )
    assert [s["data"]["scanPackage"]["destination"] for s in scans] == ["vault", "vault"]
    done = await api(COMPLETE, {"input": {"sessionId": session}}, token=token)
    assert done["data"]["completeReceiving"]["shipment"]["status"] == "completed"
    again = await api(COMPLETE, {"input": {"sessionId": session}}, token=token)
    assert again["data"]["completeReceiving"]["__typename"] == "AlreadyCompleted"


async def test_completing_before_the_checklist_lists_what_is_missing(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    _, session = await _shipment(api, world, token)
    result = await api(COMPLETE, {"input": {"sessionId": session}}, token=token)
    missing = result["data"]["completeReceiving"]["missing"]
    assert "not scanned: 1A4FF0100000055000000001" in missing
    assert any(m.startswith("checklist:") for m in missing)


async def test_budtenders_do_not_receive(api, world):
    result = await api(
        CREATE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "manifestNumber": "M-9",
                "packages": [
                    {
                        "tag": "1A4FF0100000055000000009",
                        "itemName": "X",
                        "shippedQuantity": "1",
                        "unit": "grams",
                    }
                ],
            }
        },
        token=world.ca.token(Role.BUDTENDER),
    )
    assert result["data"]["createShipment"]["__typename"] == "PermissionDenied"


async def test_a_malformed_csv_manifest_is_refused_with_the_line_and_nothing_is_expected(
    api, world
):
    token = world.ca.token(Role.INVENTORY_LEAD)
    header = "tag,item_name,shipped_quantity,unit\n"
    refused = []
    for body in (
        '1A4FF0100000055000000001,"House Flower,28,grams\n',  # quote never closed
        "1A4FF0100000055000000001,House Flower,twenty,grams\n",  # not a number
    ):
        result = await api(
            CREATE,
            {
                "input": {
                    "locationId": str(world.ca.location_id),
                    "manifestNumber": "M-9",
                    "csv": header + body,
                }
            },
            token=token,
        )
        refused.append(result["data"]["createShipment"])
    assert [r["__typename"] for r in refused] == ["ValidationError", "ValidationError"]
    assert all(r["field"] == "csv" and "line" in r["reason"] for r in refused)
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM shipment") == 0
