"""The buyer's screen: suggestions for every store they plan for, never another's; the
service level a manager sets."""

from __future__ import annotations

from datetime import timedelta

from domain.demo.history import Stocked
from domain.roles import Role
from tests.ordering.helpers import local_today, product, seed, steady_days
from tests.support.second_store import open_second_store

SUGGESTIONS = """
query($ids: [ID!]!) { reorderSuggestions(locationIds: $ids) {
  orders { locationId vendorId vendorName orderOn value
    lines { productId sku quantity cases why { demandPerDay stockoutDays onHand onOrder
      reserved expiringSoon safetyStock leadTimeDays leadTimeLearned serviceLevel bound } } }
  excluded { productId reason } } }
"""
SET_POLICY = """
mutation($input: SetOrderingPolicyInput!) { setOrderingPolicy(input: $input) {
  __typename ... on OrderingPolicyPayload { category serviceLevel replayed }
  ... on UserError { message } } }
"""


async def _stocked(store, sku: str, first_tag: int) -> int:
    product_id = await product(store, sku)
    today = await local_today(store.location_id)
    history = steady_days(today - timedelta(days=42), 42, 4, empty=(10, 20, 30))
    await seed(store, [Stocked(product_id, 4.0, 365)], history, first_tag)
    return product_id


async def test_an_admin_of_two_stores_sees_both_a_manager_only_their_own(api, world):
    oakland = await open_second_store(world)
    ca = world.ca
    here = await _stocked(ca, "GUM-CA", 1)
    there = await _stocked(oakland, "GUM-OAK", 5000)
    both = [str(ca.location_id), str(oakland.location_id)]

    admin = (await api(SUGGESTIONS, {"ids": both}, token=ca.token(Role.ADMIN)))["data"]
    orders = admin["reorderSuggestions"]["orders"]
    assert {o["locationId"] for o in orders} == set(both)
    assert {line["productId"] for o in orders for line in o["lines"]} == {str(here), str(there)}
    line = orders[0]["lines"][0]
    assert line["why"]["demandPerDay"] == "4.000"
    assert line["why"]["stockoutDays"] == 6
    assert line["why"]["bound"] == "ORDER_UP_TO"

    manager = ca.token(Role.MANAGER)
    refused = await api(SUGGESTIONS, {"ids": both}, token=manager)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    own = (await api(SUGGESTIONS, {"ids": [str(ca.location_id)]}, token=manager))["data"]
    assert {o["locationId"] for o in own["reorderSuggestions"]["orders"]} == {str(ca.location_id)}
    # The other operator's store is not theirs either.
    other = await api(SUGGESTIONS, {"ids": [str(world.co.location_id)]}, token=manager)
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_inventory_leads_plan_orders_budtenders_do_not(api, world):
    ids = {"ids": [str(world.ca.location_id)]}
    lead = await api(SUGGESTIONS, ids, token=world.ca.token(Role.INVENTORY_LEAD))
    assert "errors" not in lead
    budtender = await api(SUGGESTIONS, ids, token=world.ca.token(Role.BUDTENDER))
    assert budtender["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_manager_sets_a_category_service_level_once_per_key(api, world):
    ca = world.ca
    manager = ca.token(Role.MANAGER)
    policy = {
        "locationId": str(ca.location_id),
        "category": "EDIBLE",
        "serviceLevel": "0.98",
        "idempotencyKey": "edibles-98",
    }

    first = (await api(SET_POLICY, {"input": policy}, token=manager))["data"]["setOrderingPolicy"]
    again = (await api(SET_POLICY, {"input": policy}, token=manager))["data"]["setOrderingPolicy"]

    assert (first["category"], first["serviceLevel"], first["replayed"]) == (
        "EDIBLE",
        "0.98",
        False,
    )
    assert again["replayed"] is True
    too_sure = {**policy, "serviceLevel": "1", "idempotencyKey": None}
    refused = (await api(SET_POLICY, {"input": too_sure}, token=manager))["data"]
    assert refused["setOrderingPolicy"]["__typename"] == "ValidationError"
    lead = ca.token(Role.INVENTORY_LEAD)
    denied = await api(SET_POLICY, {"input": {**policy, "idempotencyKey": None}}, token=lead)
    assert denied["data"]["setOrderingPolicy"]["__typename"] == "PermissionDenied"
