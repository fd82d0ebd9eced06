"""Access events, flags and the shrinkage report through GraphQL and the signed webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from domain import db
from domain.diversion import evaluate
from domain.integrations.tables import IntegrationKind
from domain.inventory.model import AdjustmentReason as Why
from domain.inventory.model import MovementKind as Kind
from domain.organisation.model import ZoneKind as Z
from domain.roles import Role
from domain.shrinkage import rollup
from tests.api.test_api_keys import _key, _with_key
from tests.diversion.seed import LA, History, at, badge, monday
from tests.integrations.conftest import app_client, connect
from tests.support.units import new_uow

RECORD = """mutation($input: RecordAccessEventsInput!) { recordAccessEvents(input: $input) {
  __typename
  ... on AccessEventsPayload { recorded duplicates unknown accessEventIds replayed }
  ... on UserError { message } } }"""
FLAGS = """query($locs: [ID!]!) { diversionFlags(locationIds: $locs) {
  id rule severity status subjectUserId accessEventIds movementIds reviewNote } }"""
REVIEW = """mutation($input: ReviewDiversionFlagInput!) { reviewDiversionFlag(input: $input) {
  __typename
  ... on DiversionFlagPayload { flag { status reviewNote } replayed }
  ... on UserError { message } } }"""
REPORT = """query($locs: [ID!]!, $from: Date!, $to: Date!) {
  shrinkageReport(locationIds: $locs, from: $from, to: $to) {
    known { grams value movements } unknown { grams value movements } sales { grams value }
    rateOfSales knownRate unknownRate
    byCause { key known amount { grams value } }
    byPerson { key label amount { value } }
    byZone { label amount { value } }
    byCategory { key amount { grams } }
    weekly { week knownValue unknownValue salesValue rate } } }"""


def event(event_id: str, zone: str, badge_code: str, when: datetime | None = None) -> dict:
    moment = when or datetime.now(UTC) - timedelta(minutes=5)
    return {
        "eventId": event_id,
        "occurredAt": moment.isoformat(),
        "direction": "ENTRY",
        "zone": zone,
        "badge": badge_code,
    }


def record_input(world, *events: dict, key: str | None = None) -> dict:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "source": "lobby",
            "events": list(events),
            "idempotencyKey": key,
        }
    }


async def access_rows() -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM access_event")


async def test_unknown_zones_and_badges_are_recorded_flagged_and_read_by_compliance(api, world):
    await badge(world, "B-7", Role.BUDTENDER)
    manager = world.ca.token(Role.MANAGER)
    sent = record_input(
        world,
        event("e1", "Vault", "B-7"),
        event("e2", "Roof hatch", "B-7"),
        event("e3", "Vault", "B-404"),
    )
    saved = (await api(RECORD, sent, token=manager))["data"]["recordAccessEvents"]
    assert (saved["recorded"], saved["unknown"], saved["duplicates"]) == (3, 2, 0)
    again = await api(RECORD, {"input": {**sent["input"], "idempotencyKey": "x"}}, token=manager)
    assert again["data"]["recordAccessEvents"]["duplicates"] == 3

    await evaluate.evaluate_new(new_uow, world.ca.location_id)

    locs = {"locs": [str(world.ca.location_id)]}
    for reader in (Role.COMPLIANCE, Role.AUDITOR, Role.MANAGER):
        found = (await api(FLAGS, locs, token=world.ca.token(reader)))["data"]["diversionFlags"]
        assert sorted(f["rule"] for f in found) == [
            "UNKNOWN_ACCESS",
            "UNKNOWN_ACCESS",
            "VAULT_OUTSIDE_SHIFT",  # e1: the budtender has no shift
        ]
    refused = await api(FLAGS, locs, token=world.ca.token(Role.BUDTENDER))
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_bad_access_events_are_refused_and_write_nothing(api, world):
    manager = world.ca.token(Role.MANAGER)
    future = event("f1", "Vault", "B-1", datetime.now(UTC) + timedelta(hours=2))
    cases = [
        (manager, record_input(world, event("ok", "Vault", "B-1"), future), "ValidationError"),
        (manager, record_input(world, event("  ", "Vault", "B-1")), "ValidationError"),
        (manager, record_input(world), "ValidationError"),
        (
            world.ca.token(Role.BUDTENDER),
            record_input(world, event("b", "Vault", "B")),
            "PermissionDenied",
        ),
        (
            world.co.token(Role.MANAGER),
            record_input(world, event("c", "Vault", "B")),
            "PermissionDenied",
        ),
    ]
    for token, variables, refusal in cases:
        answer = (await api(RECORD, variables, token=token))["data"]["recordAccessEvents"]
        assert answer["__typename"] == refusal, answer
    assert await access_rows() == 0


async def test_a_door_systems_key_posts_access_events_and_nothing_else(api, world):
    secret, _ = await _key(api, world, ["POST_ACCESS_EVENTS"])
    posted = await _with_key(api, RECORD, record_input(world, event("k1", "Vault", "B-1")), secret)
    assert posted["data"]["recordAccessEvents"]["recorded"] == 1
    denied = await _with_key(api, FLAGS, {"locs": [str(world.ca.location_id)]}, secret)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_manager_acknowledges_escalates_and_dismisses_with_a_reason(api, world):
    await api(
        RECORD,
        record_input(world, event("u1", "Vault", "B-404")),
        token=world.ca.token(Role.MANAGER),
    )
    await evaluate.evaluate_new(new_uow, world.ca.location_id)
    locs = {"locs": [str(world.ca.location_id)]}
    [flag] = (await api(FLAGS, locs, token=world.ca.token(Role.MANAGER)))["data"]["diversionFlags"]
    manager = world.ca.token(Role.MANAGER)

    async def review(action: str, note: str | None = None, token: str = manager) -> dict:
        variables = {"input": {"flagId": flag["id"], "action": action, "note": note}}
        return (await api(REVIEW, variables, token=token))["data"]["reviewDiversionFlag"]

    assert (await review("ACKNOWLEDGE"))["flag"]["status"] == "ACKNOWLEDGED"
    assert (await review("ESCALATE", token=world.ca.token(Role.AUDITOR)))["__typename"] == (
        "PermissionDenied"
    )
    assert (await review("DISMISS"))["__typename"] == "ValidationError"  # no reason given
    assert (await review("ESCALATE"))["flag"]["status"] == "ESCALATED"
    dismissed = await review("DISMISS", "contractor's temporary badge, logged at reception")
    assert dismissed["flag"] == {
        "status": "DISMISSED",
        "reviewNote": "contractor's temporary badge, logged at reception",
    }
    assert (await review("ACKNOWLEDGE"))["__typename"] == "FlagAlreadyDismissed"
    nobody = await api(
        REVIEW, {"input": {"flagId": "999999", "action": "ACKNOWLEDGE"}}, token=manager
    )
    assert nobody["data"]["reviewDiversionFlag"]["__typename"] == "NotFound"


async def test_the_signed_door_webhook_records_events_once(world, clean_db):
    await badge(world, "B-7", Role.MANAGER)
    secret = await connect(world, IntegrationKind.ACCESS, "door", acting=Role.MANAGER)
    moment = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    body = json.dumps(
        {
            "source": "rear-door",
            "events": [
                {
                    "event_id": "w1",
                    "occurred_at": moment,
                    "direction": "entry",
                    "zone": "Vault",
                    "badge": "B-7",
                },
                {
                    "event_id": "w2",
                    "occurred_at": moment,
                    "direction": "exit",
                    "zone": "Vault",
                    "badge": "B-8",
                },
            ],
        }
    ).encode()
    async for hooks in app_client():
        first = await hooks.post("access", world.ca.location_id, body, secret, adapter="door")
        again = await hooks.post("access", world.ca.location_id, body, secret, adapter="door")
        unsigned = await hooks.post("access", world.ca.location_id, body, None, adapter="door")
        wrong = await hooks.post(
            "access", world.ca.location_id, body, "not-the-secret", adapter="door"
        )
        bad = await hooks.post(
            "access", world.ca.location_id, b'{"events": 3}', secret, adapter="door"
        )
    assert first.status_code == 200
    assert (first.json()["recorded"], first.json()["unknown"]) == (2, 1)
    assert (again.json()["recorded"], again.json()["duplicates"]) == (0, 2)
    assert (unsigned.status_code, wrong.status_code, bad.status_code) == (401, 401, 400)
    assert await access_rows() == 2


async def test_the_shrinkage_report_splits_known_from_unknown_loss_against_sales(api, world):
    h = await History(world).stock()
    week = monday(1)
    day = week + timedelta(days=1)
    await h.post(
        Role.INVENTORY_LEAD, Kind.ADJUST, at(day, 10), "2", source=Z.SALES_FLOOR, reason=Why.SAMPLE
    )
    await h.post(
        Role.INVENTORY_LEAD,
        Kind.ADJUST,
        at(day, 11),
        "3",
        source=Z.VAULT,
        reason=Why.COUNT_CORRECTION,
    )
    await h.post(
        Role.INVENTORY_LEAD, Kind.ADJUST, at(day, 11), "1", to=Z.VAULT, reason=Why.COUNT_CORRECTION
    )
    await h.post(Role.MANAGER, Kind.ADJUST, at(day, 12), "1", source=Z.VAULT, reason=Why.THEFT)
    for n in range(10):
        await h.post(Role.BUDTENDER, Kind.SALE, at(day, 13, n), "10", source=Z.SALES_FLOOR)
    await h.post(Role.BUDTENDER, Kind.VOID, at(day, 14), "10", to=Z.SALES_FLOOR)
    variables = {
        "locs": [str(world.ca.location_id)],
        "from": week.isoformat(),
        "to": (week + timedelta(days=6)).isoformat(),
    }
    compliance = world.ca.token(Role.COMPLIANCE)
    report = (await api(REPORT, variables, token=compliance))["data"]["shrinkageReport"]
    # Unit cost 5.50: samples 2 g known; count shortfall 3 g less 1 g found, and 1 g theft unknown.
    assert report["known"] == {"grams": "2.000", "value": "11.0000", "movements": 1}
    assert report["unknown"]["grams"] == "3.000"
    assert report["sales"]["grams"] == "90.000"  # ten sales of 10 g, one voided
    assert report["rateOfSales"] == "0.0556"
    assert {c["key"]: c["known"] for c in report["byCause"]} == {
        "sample": True,
        "count_correction": False,
        "theft": False,
    }
    assert {p["label"] for p in report["byPerson"]} == {"Inventory Lead", "Manager"}
    assert [w["week"] for w in report["weekly"]] == [week.isoformat()]
    budtender = await api(REPORT, variables, token=world.ca.token(Role.BUDTENDER))
    assert budtender["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Rolled up (the hourly job), the same days read the same; a write-off posted late into an
    # already rolled-up day is counted after the next roll-up re-checks the recent days.
    assert await rollup.roll_up(new_uow, world.ca.location_id) > 0
    rolled = (await api(REPORT, variables, token=compliance))["data"]["shrinkageReport"]
    assert rolled == report
    yesterday = datetime.now(LA).date() - timedelta(days=1)
    await h.post(
        Role.MANAGER, Kind.ADJUST, at(yesterday, 12), "1", source=Z.VAULT, reason=Why.THEFT
    )
    await rollup.roll_up(new_uow, world.ca.location_id)
    recent = {**variables, "from": yesterday.isoformat(), "to": yesterday.isoformat()}
    late = (await api(REPORT, recent, token=compliance))["data"]["shrinkageReport"]
    assert late["unknown"]["grams"] == "1.000"


SHIFT = """mutation($input: ScheduleShiftInput!) { scheduleShift(input: $input) {
  __typename ... on UserError { message } } }"""


async def test_impossible_shifts_and_report_periods_are_refused(api, world):
    manager = world.ca.token(Role.MANAGER)
    start = datetime.now(UTC)
    for begins, ends in (
        (start, start - timedelta(hours=1)),
        (start, start + timedelta(hours=30)),
        (datetime(1, 1, 1, tzinfo=UTC), datetime(1, 1, 1, 8, tzinfo=UTC)),
    ):
        variables = {
            "input": {
                "locationId": str(world.ca.location_id),
                "userId": str(world.as_(Role.BUDTENDER).user_id),
                "startsAt": begins.isoformat(),
                "endsAt": ends.isoformat(),
            }
        }
        answer = (await api(SHIFT, variables, token=manager))["data"]["scheduleShift"]
        assert answer["__typename"] == "ValidationError", answer
    for first, last in (
        ("2026-05-02", "2026-05-01"),
        ("2024-01-01", "2026-01-01"),
        ("9999-12-30", "9999-12-31"),
    ):
        variables = {"locs": [str(world.ca.location_id)], "from": first, "to": last}
        refused = await api(REPORT, variables, token=manager)
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM shift") == 0
