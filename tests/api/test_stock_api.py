"""Restocking the floor through the API, retries, history and the stock summary."""

from __future__ import annotations

from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.queries import TRANSFER, transfer_input

HISTORY = """
query($loc: ID!, $tag: String!) {
  package(locationId: $loc, tag: $tag) {
    tag quantity
    movements(first: 10) { edges { node { sequence kind quantity actor { email } } } }
    chainCheck { intact movements }
  }
}
"""


async def test_a_retried_transfer_returns_the_first_result_and_moves_nothing_twice(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    variables = {"input": transfer_input(world, "2.5", idempotencyKey="pos-7:restock:1")}
    first = (await api(TRANSFER, variables, token=token))["data"]["transferStock"]
    second = (await api(TRANSFER, variables, token=token))["data"]["transferStock"]
    assert first["replayed"] is False
    assert second["replayed"] is True
    assert second["movements"] == first["movements"]
    assert second["package"]["balances"] == [
        {"quantity": "7.500", "zone": {"kind": "VAULT"}},
        {"quantity": "2.500", "zone": {"kind": "SALES_FLOOR"}},
    ]


async def test_a_key_reused_for_a_different_transfer_is_refused(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    await api(TRANSFER, {"input": transfer_input(world, "1", idempotencyKey="k-1")}, token=token)
    reused = await api(
        TRANSFER, {"input": transfer_input(world, "2", idempotencyKey="k-1")}, token=token
    )
    assert reused["data"]["transferStock"] == {
        "__typename": "ValidationError",
        "field": "idempotencyKey",
        "reason": "this key was already used for a different request",
    }


async def test_a_package_shows_its_whole_history_with_an_intact_chain(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    await api(TRANSFER, {"input": transfer_input(world, "3")}, token=token)
    result = await api(HISTORY, {"loc": str(world.ca.location_id), "tag": world.tag}, token=token)
    package = result["data"]["package"]
    assert package["quantity"] == "10.000"
    assert [e["node"]["kind"] for e in package["movements"]["edges"]] == ["TRANSFER", "REGISTER"]
    assert package["chainCheck"] == {"intact": True, "movements": 2}


async def test_the_stock_summary_counts_each_zone_and_category(api, world):
    token = world.ca.token(Role.AUDITOR)
    await api(TRANSFER, {"input": transfer_input(world, "4")}, token=world.ca.token(Role.MANAGER))
    result = await api(
        """query($loc: ID!) { stockSummary(locationId: $loc) {
             zone { kind } category unit packageCount quantity costValue } }""",
        {"loc": str(world.ca.location_id)},
        token=token,
    )
    assert result["data"]["stockSummary"] == [
        {
            "zone": {"kind": "VAULT"},
            "category": "FLOWER",
            "unit": "GRAMS",
            "packageCount": 1,
            "quantity": "6.000",
            "costValue": "33.00",
        },
        {
            "zone": {"kind": "SALES_FLOOR"},
            "category": "FLOWER",
            "unit": "GRAMS",
            "packageCount": 1,
            "quantity": "4.000",
            "costValue": "22.00",
        },
    ]


async def test_auditors_read_but_cannot_move_stock(api, world):
    result = await api(
        TRANSFER, {"input": transfer_input(world, "1")}, token=world.ca.token(Role.AUDITOR)
    )
    assert result["data"]["transferStock"]["__typename"] == "PermissionDenied"


async def test_recall_through_the_api_quarantines_floor_stock(api, world):
    manager = world.ca.token(Role.MANAGER)
    await api(TRANSFER, {"input": transfer_input(world, "4")}, token=manager)
    result = await api(
        """mutation($input: RecallBatchInput!) { recallBatch(input: $input) {
             __typename ... on RecallPayload { packages { tag status }
               movements { fromZone { kind } toZone { kind } quantity } } } }""",
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "batchId": str(world.batch_id),
                "reason": "pesticide found on retest",
            }
        },
        token=manager,
    )
    recall = result["data"]["recallBatch"]
    assert recall["packages"] == [{"tag": world.tag, "status": "RECALLED"}]
    assert recall["movements"] == [
        {"fromZone": {"kind": "SALES_FLOOR"}, "toZone": {"kind": "QUARANTINE"}, "quantity": "4.000"}
    ]


async def test_zones_show_what_they_hold(api, world):
    result = await api(
        """query($loc: ID!) { zones(locationId: $loc) {
             kind sellable totals { unit packageCount quantity } } }""",
        {"loc": str(world.ca.location_id)},
        token=world.ca.token(Role.BUDTENDER),
    )
    zones = {z["kind"]: z for z in result["data"]["zones"]}
    assert zones["VAULT"]["totals"] == [{"unit": "grams", "packageCount": 1, "quantity": "10.000"}]
    assert zones["SALES_FLOOR"]["sellable"]
    assert not zones["VAULT"]["sellable"]
    assert ZoneKind.WASTE.name in zones
