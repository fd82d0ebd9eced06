"""The count plan screens over GraphQL: what a manager sets, what a lead reads, what is refused."""

from __future__ import annotations

from datetime import timedelta

from domain import db
from domain.roles import Role

PLAN = """
query($loc: ID!) { countPlan(locationId: $loc) {
  abcWindowDays frequencies { subject everyDays source plannedDays citation }
  stateMinimum { state fullCountEveryDays cycleCountEveryDays }
  classSizes { abcClass products }
  products { sku abcClass byValue byVelocity valueShare velocityShare unitsSold }
  quietHours { dayName hour salesPerWeek } cycleCountDueAt
} }
"""

DUE = """
query($loc: ID!, $within: Int, $first: Int) {
  countsDue(locationId: $loc, withinDays: $within, first: $first) {
    withinDays hasMore nextOffset
    groups { zoneName zoneKind abcClass everyDays packages due overdue neverCounted }
    packages { tag zoneName abcClass lastCountedAt dueAt overdue }
  }
}
"""

SET = """
mutation($input: SetCountPolicyInput!) { setCountPolicy(input: $input) {
  __typename
  ... on CountPolicyPayload { replayed plan { frequencies { subject everyDays source } } }
  ... on ValidationError { field message }
} }
"""

ACCURACY = """
query($loc: ID!) { countAccuracy(locationId: $loc, period: MONTH, periods: 3) {
  startsOn counted exact share byZone { name share } byCounter { name share }
} }
"""


async def test_a_lead_reads_the_plan_and_the_due_list(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    loc = str(world.ca.location_id)
    plan = (await api(PLAN, {"loc": loc}, token))["data"]["countPlan"]
    assert plan["frequencies"][0] == {
        "subject": "A",
        "everyDays": 7,
        "source": "DEFAULT",
        "plannedDays": 7,
        "citation": None,
    }
    assert plan["stateMinimum"] == {
        "state": "CA",
        "fullCountEveryDays": None,
        "cycleCountEveryDays": None,
    }
    assert plan["products"] == [
        {
            "sku": "FL-OG-3.5",
            "abcClass": "A",
            "byValue": "A",
            "byVelocity": "C",
            "valueShare": "1.0000",
            "velocityShare": "0.0000",
            "unitsSold": "0",
        }
    ]
    async with db.connection() as conn:
        await conn.execute("UPDATE package SET created_at = now() - $1::interval", timedelta(8))
    due = (await api(DUE, {"loc": loc}, token))["data"]["countsDue"]
    assert due["groups"] == [
        {
            "zoneName": "Vault",
            "zoneKind": "VAULT",
            "abcClass": "A",
            "everyDays": 7,
            "packages": 1,
            "due": 0,
            "overdue": 1,
            "neverCounted": 1,
        }
    ]
    assert [(p["tag"], p["overdue"], p["lastCountedAt"]) for p in due["packages"]] == [
        (world.tag, True, None)
    ]


async def test_the_due_list_refuses_a_page_it_will_not_serve(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    loc = str(world.ca.location_id)
    for variables in ({"within": -1}, {"within": 91}, {"first": 0}, {"first": 501}):
        result = await api(DUE, {"loc": loc, **variables}, token)
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_manager_sets_the_plan_and_a_retry_is_replayed(api, world):
    token = world.ca.token(Role.MANAGER)
    variables = {
        "input": {
            "locationId": str(world.ca.location_id),
            "classCDays": 60,
            "twoPersonZoneKinds": ["VAULT", "SAMPLES"],
            "varianceValueThreshold": "25.00",
            "idempotencyKey": "plan-1",
        }
    }
    first = (await api(SET, variables, token))["data"]["setCountPolicy"]
    again = (await api(SET, variables, token))["data"]["setCountPolicy"]
    assert first["__typename"] == "CountPolicyPayload"
    assert {"subject": "C", "everyDays": 60, "source": "LOCATION"} in first["plan"]["frequencies"]
    assert (first["replayed"], again["replayed"]) == (False, True)


async def test_an_out_of_range_policy_gets_a_typed_answer(api, world):
    token = world.ca.token(Role.MANAGER)
    variables = {"input": {"locationId": str(world.ca.location_id), "classAShare": "1.2"}}
    refused = (await api(SET, variables, token))["data"]["setCountPolicy"]
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "classAShare"


async def test_a_budtender_may_not_set_the_plan(api, world):
    token = world.ca.token(Role.BUDTENDER)
    variables = {"input": {"locationId": str(world.ca.location_id), "classADays": 30}}
    result = (await api(SET, variables, token))["data"]["setCountPolicy"]
    assert result["__typename"] == "PermissionDenied"


async def test_another_operators_plan_is_not_readable(api, world):
    token = world.ca.token(Role.ADMIN)
    for query in (PLAN, DUE, ACCURACY):
        result = await api(query, {"loc": str(world.co.location_id)}, token)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_auditor_reads_an_empty_accuracy_history(api, world):
    token = world.ca.token(Role.AUDITOR)
    result = await api(ACCURACY, {"loc": str(world.ca.location_id)}, token)
    assert result == {"data": {"countAccuracy": []}}
