"""Repackaging through GraphQL: a lead splits a jar; a split bigger than its parent is a typed
refusal that writes nothing; auditors read the repacks."""

from __future__ import annotations

from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.repackaging.helpers import tag

REPACKAGE = """
mutation($input: RepackageInput!) { repackage(input: $input) {
  __typename
  ... on RepackagePayload { replayed repack { kind yieldPct lowYield packagingLoss
      inputs { tag quantity } outputs { tag quantity } } }
  ... on RepackExceedsInputs { inputs outputs packagingLoss }
  ... on UserError { message }
} }
"""
REPACKS = "query($loc: ID!) { repacks(locationId: $loc) { kind outputs { tag } actor { email } } }"


def _input(world, *quantities: str, loss: str = "0") -> dict:
    vault = str(world.ca.zone(ZoneKind.VAULT))
    return {
        "locationId": str(world.ca.location_id),
        "inputs": [{"tag": world.tag, "zoneId": vault, "quantity": "10"}],
        "outputs": [
            {"tag": tag(n), "productId": str(world.product_id), "zoneId": vault, "quantity": q}
            for n, q in enumerate(quantities, start=1)
        ],
        "packagingLoss": loss,
        "expectedYieldPct": "95",
    }


async def test_a_lead_splits_a_jar_and_an_auditor_reads_it(api, world):
    lead = world.ca.token(Role.INVENTORY_LEAD)
    result = await api(REPACKAGE, {"input": _input(world, "5", "4.5", loss="0.5")}, token=lead)
    assert result["data"]["repackage"] == {
        "__typename": "RepackagePayload",
        "replayed": False,
        "repack": {
            "kind": "split",
            "yieldPct": "95.00",
            "lowYield": False,
            "packagingLoss": "0.500",
            "inputs": [{"tag": world.tag, "quantity": "10.000"}],
            "outputs": [{"tag": tag(1), "quantity": "5.000"}, {"tag": tag(2), "quantity": "4.500"}],
        },
    }
    auditor = world.ca.token(Role.AUDITOR)
    seen = await api(REPACKS, {"loc": str(world.ca.location_id)}, token=auditor)
    assert seen["data"]["repacks"] == [
        {
            "kind": "split",
            "outputs": [{"tag": tag(1)}, {"tag": tag(2)}],
            "actor": {"email": "inventory_lead@greenleaf.test"},
        }
    ]


async def test_children_bigger_than_the_parent_are_a_typed_refusal(api, world):
    lead = world.ca.token(Role.INVENTORY_LEAD)
    result = await api(REPACKAGE, {"input": _input(world, "6", "5")}, token=lead)
    assert result["data"]["repackage"] == {
        "__typename": "RepackExceedsInputs",
        "inputs": "10.000",
        "outputs": "11.000",
        "packagingLoss": "0.000",
        "message": (
            "outputs 11.000 plus packaging loss 0.000 exceed the 10.000 taken from the inputs"
        ),
    }
    seen = await api(REPACKS, {"loc": str(world.ca.location_id)}, token=lead)
    assert seen["data"]["repacks"] == []
