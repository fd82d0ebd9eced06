"""Waste and destruction through GraphQL: a lead schedules and destroys with a manager
witnessing; refusals are typed; auditors read the records; staff see the state's methods."""

from __future__ import annotations

from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.world import PASSWORD

SCHEDULE = """
mutation($input: ScheduleDestructionInput!) { scheduleDestruction(input: $input) {
  __typename
  ... on DestructionPayload { destruction { id status quantity holdUntil witnessesRequired } }
  ... on UserError { message }
} }
"""
CARRY_OUT = """
mutation($input: CarryOutDestructionInput!) { carryOutDestruction(input: $input) {
  __typename
  ... on DestructionPayload { replayed destruction { status method wasteWeight
      witnesses { email } destroyedBy { email } } }
  ... on WitnessRequired { required given }
  ... on DestructionHoldNotOver { holdEndsAt }
  ... on AlreadyDestroyed { destructionId }
  ... on UserError { message }
} }
"""
RECORDS = """
query($loc: ID!) {
  destructions(locationId: $loc) { tag status reason quantity }
  destructionSteps(locationId: $loc) { holdMinutes witnesses witnessesSource method }
}
"""
METHODS = "query($loc: ID!) { wasteMethods(locationId: $loc) { methods source rule } }"


def _schedule_input(world) -> dict:
    return {
        "locationId": str(world.ca.location_id),
        "tag": world.tag,
        "zoneId": str(world.ca.zone(ZoneKind.VAULT)),
        "quantity": "2",
        "reason": "DAMAGE",
        "note": "crushed jar",
    }


async def test_a_lead_destroys_damaged_stock_with_a_manager_witnessing(api, world):
    lead = world.ca.token(Role.INVENTORY_LEAD)
    scheduled = (await api(SCHEDULE, {"input": _schedule_input(world)}, token=lead))["data"]
    destruction = scheduled["scheduleDestruction"]["destruction"]
    assert (destruction["status"], destruction["quantity"]) == ("scheduled", "2.000")
    carry_out = {
        "locationId": str(world.ca.location_id),
        "destructionId": destruction["id"],
        "method": "Grinder",
        "witnesses": [],
    }

    refused = (await api(CARRY_OUT, {"input": carry_out}, token=lead))["data"]
    assert refused["carryOutDestruction"] == {
        "__typename": "WitnessRequired",
        "required": 1,
        "given": 0,
        "message": "this destruction needs 1 witness(es); 0 signed",
    }

    carry_out["witnesses"] = [{"email": "manager@greenleaf.test", "secret": PASSWORD}]
    done = (await api(CARRY_OUT, {"input": carry_out}, token=lead))["data"]["carryOutDestruction"]
    assert done["destruction"] == {
        "status": "destroyed",
        "method": "Grinder",
        "wasteWeight": "2.000",
        "witnesses": [{"email": "manager@greenleaf.test"}],
        "destroyedBy": {"email": "inventory_lead@greenleaf.test"},
    }
    twice = (await api(CARRY_OUT, {"input": carry_out}, token=lead))["data"]
    assert twice["carryOutDestruction"]["__typename"] == "AlreadyDestroyed"

    auditor = world.ca.token(Role.AUDITOR)
    records = (await api(RECORDS, {"loc": str(world.ca.location_id)}, token=auditor))["data"]
    assert records["destructions"] == [
        {"tag": world.tag, "status": "destroyed", "reason": "DAMAGE", "quantity": "2.000"}
    ]
    assert records["destructionSteps"]["witnesses"] == 1
    assert "unusable and unrecognizable" in records["destructionSteps"]["method"]


async def test_an_auditor_may_not_schedule_a_destruction(api, world):
    auditor = world.ca.token(Role.AUDITOR)
    result = await api(SCHEDULE, {"input": _schedule_input(world)}, token=auditor)
    assert result["data"]["scheduleDestruction"]["__typename"] == "PermissionDenied"


async def test_staff_choose_from_metrcs_waste_methods(api, world, metrc):
    token = world.ca.token(Role.INVENTORY_LEAD)
    result = await api(METHODS, {"loc": str(world.ca.location_id)}, token=token)
    choice = result["data"]["wasteMethods"]
    assert choice["source"] == "state"
    assert choice["methods"] == ["Grinder", "Compost", "Landfill", "Incinerator"]
    metrc.log.assert_no_violations()


async def test_without_a_state_api_the_rulebooks_method_is_offered(api, world):
    token = world.co.token(Role.INVENTORY_LEAD)
    result = await api(METHODS, {"loc": str(world.co.location_id)}, token=token)
    assert result["data"]["wasteMethods"] == {
        "methods": ["ground and mixed 50/50 with non-cannabis waste"],
        "source": "rulebook",
        "rule": "ground and mixed 50/50 with non-cannabis waste",
    }
