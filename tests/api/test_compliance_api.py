"""What a compliance officer sees and does through the API."""

from __future__ import annotations

from decimal import Decimal

from domain.compliance import sync
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow

CONFIGURE = """mutation($input: ConfigureStateConnectionInput!) {
  configureStateConnection(input: $input) {
    __typename ... on ConnectionPayload { system baseUrl hasCredentials }
    ... on ValidationError { field } ... on PermissionDenied { action } } }"""
STATUS = """query($loc: ID!) { syncStatus(locationId: $loc) {
  system configured pending failed overdue oldestPendingAgeSeconds } }"""
REPORTS = """query($loc: ID!) { stateReports(locationId: $loc) {
  nodes { id kind status externalId tags attempts lastError } } }"""


async def _write_off(world) -> None:
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.MANAGER),
        stock.AdjustStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            Decimal(-1),
            AdjustmentReason.DAMAGE,
            note="dropped on the floor",
        ),
    )


async def test_keys_go_in_and_never_come_out(api, world, metrc):
    result = await api(
        CONFIGURE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "baseUrl": metrc.base_url,
                "credentials": {"vendor_key": "v-secret", "user_key": "u-secret"},
            }
        },
        token=world.ca.token(Role.ADMIN),
    )
    payload = result["data"]["configureStateConnection"]
    assert payload == {
        "__typename": "ConnectionPayload",
        "system": "metrc",
        "baseUrl": metrc.base_url,
        "hasCredentials": True,
    }
    assert "secret" not in str(result)


async def test_only_managers_connect_and_only_to_urls(api, world):
    variables = {"input": {"locationId": str(world.ca.location_id), "baseUrl": "ftp://x"}}
    denied = await api(CONFIGURE, variables, token=world.ca.token(Role.BUDTENDER))
    assert denied["data"]["configureStateConnection"]["__typename"] == "PermissionDenied"
    refused = await api(CONFIGURE, variables, token=world.ca.token(Role.ADMIN))
    assert refused["data"]["configureStateConnection"]["field"] == "baseUrl"


async def test_the_sync_status_shows_what_the_state_has_not_heard_yet(api, world, metrc):
    token = world.ca.token(Role.COMPLIANCE)
    loc = {"loc": str(world.ca.location_id)}
    await _write_off(world)
    status = (await api(STATUS, loc, token=token))["data"]["syncStatus"]
    assert (status["system"], status["configured"], status["pending"]) == ("metrc", True, 1)
    await sync.drain(new_uow(), world.ca.location_id, owner="test")
    status = (await api(STATUS, loc, token=token))["data"]["syncStatus"]
    assert (status["pending"], status["failed"]) == (0, 0)


async def test_a_refused_report_can_be_retried_or_cancelled_with_a_reason(api, world, metrc):
    token = world.ca.token(Role.COMPLIANCE)
    await _write_off(world)
    metrc.faults.row_error("Package is on hold.", method="POST")
    await sync.drain(new_uow(), world.ca.location_id, owner="test")
    [report] = (await api(REPORTS, {"loc": str(world.ca.location_id)}, token=token))["data"][
        "stateReports"
    ]["nodes"]
    assert (report["status"], report["lastError"]) == ("failed", "Package is on hold.")

    cancel = """mutation($input: ReportActionInput!) { cancelStateReport(input: $input) {
      __typename ... on StateReportPayload { report { status } }
      ... on ValidationError { field } } }"""
    no_reason = await api(cancel, {"input": {"reportId": report["id"]}}, token=token)
    assert no_reason["data"]["cancelStateReport"] == {
        "__typename": "ValidationError",
        "field": "reason",
    }
    retried = await api(
        """mutation($input: ReportActionInput!) { retryStateReport(input: $input) {
             ... on StateReportPayload { report { status attempts } } } }""",
        {"input": {"reportId": report["id"]}},
        token=token,
    )
    assert retried["data"]["retryStateReport"]["report"] == {"status": "pending", "attempts": 0}
    await sync.drain(new_uow(), world.ca.location_id, owner="test")
    assert metrc.state.package(world.tag).quantity == Decimal(9)


async def test_ccrs_export_is_only_for_washington_licences(api, world):
    result = await api(
        """mutation($loc: ID!) { exportCcrsWeek(locationId: $loc, weekOf: "2026-11-25") {
             __typename ... on ValidationError { field } } }""",
        {"loc": str(world.ca.location_id)},
        token=world.ca.token(Role.COMPLIANCE),
    )
    assert result["data"]["exportCcrsWeek"] == {
        "__typename": "ValidationError",
        "field": "locationId",
    }


async def test_a_reconciliation_can_be_started_on_demand(api, world, metrc):
    result = await api(
        """mutation($loc: ID!) { startReconciliation(locationId: $loc) {
             __typename ... on ReconciliationPayload { run { status } } } }""",
        {"loc": str(world.ca.location_id)},
        token=world.ca.token(Role.COMPLIANCE),
    )
    assert result["data"]["startReconciliation"]["run"] == {"status": "queued"}
