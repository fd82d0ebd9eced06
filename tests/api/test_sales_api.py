"""The register and the web-order screens through the API: typed refusals a POS can show."""

from __future__ import annotations

from domain.roles import Role
from tests.sales.helpers import floor_package

RECORD = """mutation($input: RecordSaleInput!) { recordSale(input: $input) {
  __typename
  ... on SalePayload { replayed sale { externalId total lines { quantity zone { kind } } } }
  ... on PurchaseLimitExceeded { state buckets { bucket limit thisSale overBy } }
  ... on InsufficientStock { available } } }"""
RESERVE = """mutation($input: CreateReservationInput!) { createReservation(input: $input) {
  __typename ... on ReservationPayload { reservation { status lines { quantity } } }
  ... on ReservationShortage { missing { requested available } } } }"""


def _sale(world, tag: str, grams: str, receipt: str) -> dict:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "register": "R1",
            "posReceiptId": receipt,
            "customerType": "ADULT_USE",
            "customerKey": "id-hash-1",
            "lines": [{"tag": tag, "quantity": grams, "unitPrice": "9.50"}],
        }
    }


async def test_a_sale_and_the_limit_refusal_a_register_can_show(api, world):
    tag, _ = await floor_package(world, "40")
    token = world.ca.token(Role.BUDTENDER)
    sold = await api(RECORD, _sale(world, tag, "28", "A-1"), token=token)
    assert sold["data"]["recordSale"]["sale"]["total"] == "266.00"
    refused = await api(RECORD, _sale(world, tag, "1", "A-2"), token=token)
    assert refused["data"]["recordSale"] == {
        "__typename": "PurchaseLimitExceeded",
        "state": "CA",
        "buckets": [
            {"bucket": "flower_g", "limit": "28.500", "thisSale": "1.000", "overBy": "0.500"}
        ],
    }


async def test_a_web_order_shortage_lists_what_is_missing(api, world):
    await floor_package(world, "3")
    result = await api(
        RESERVE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "orderRef": "WEB-7",
                "channel": "PICKUP",
                "lines": [{"productId": str(world.product_id), "quantity": "5"}],
            }
        },
        token=world.ca.token(Role.BUDTENDER),
    )
    assert result["data"]["createReservation"]["__typename"] == "ReservationShortage"
