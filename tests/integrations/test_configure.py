"""Managers connect a POS or platform through GraphQL: a secret shown once, an acting user who may
sell there, and typed refusals for everything else."""

from __future__ import annotations

import pytest

from domain import db
from domain.errors import ValidationError
from domain.integrations.tables import IntegrationKind
from domain.roles import Role
from domain.webhooks import services as webhooks
from tests.integrations.conftest import app_client, body, connect, sale_event
from tests.sales.helpers import floor_package
from tests.support.units import new_uow

CONFIGURE = """mutation($input: ConfigureIntegrationInput!) {
  configureIntegration(input: $input) {
    __typename
    ... on ConfigureIntegrationPayload {
      secret replayed
      connection { id locationId kind adapter actingUserId webhookEndpointId active hookPath }
    }
    ... on ValidationError { field reason } ... on PermissionDenied { action }
    ... on NotFound { entity key } } }"""
CONNECTIONS = """query($loc: ID!) {
  integrationConnections(locationId: $loc) { id kind adapter active hookPath } }"""
ADAPTERS = "{ integrationAdapters { kind name title } }"


def _input(world, **extra) -> dict:
    fields = {
        "locationId": str(world.ca.location_id),
        "kind": "POS",
        "adapter": "generic",
        "actingUserId": str(world.as_(Role.BUDTENDER).user_id),
        **extra,
    }
    return {"input": fields}


async def _configure(api, world, role: Role = Role.MANAGER, **extra) -> dict:
    result = await api(CONFIGURE, _input(world, **extra), token=world.ca.token(role))
    assert "errors" not in result, result
    return result["data"]["configureIntegration"]


async def test_only_managers_and_admins_connect_integrations(api, world):
    for role in Role:
        kind = (await _configure(api, world, role))["__typename"]
        allowed = role in (Role.MANAGER, Role.ADMIN)
        assert kind == ("ConfigureIntegrationPayload" if allowed else "PermissionDenied"), role
    foreign = await api(CONFIGURE, _input(world), token=world.co.token(Role.ADMIN))
    assert foreign["data"]["configureIntegration"]["__typename"] == "PermissionDenied"
    anonymous = await api(CONFIGURE, _input(world))
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_secret_is_shown_once_and_rotating_it_retires_the_old_one(api, world):
    tag, _ = await floor_package(world, "10")
    created = await _configure(api, world)
    first_secret = created["secret"]
    assert first_secret.startswith("whsec_")
    connection = created["connection"]
    loc = world.ca.location_id
    assert connection["hookPath"] == f"/hooks/pos/generic?location={loc}"
    assert (connection["kind"], connection["active"]) == ("POS", True)
    async with db.connection() as conn:
        stored = await conn.fetchval("SELECT secret FROM integration_connection")
    assert first_secret not in stored  # encrypted at rest

    again = await _configure(api, world)
    assert again["secret"] is None
    assert again["connection"]["id"] == connection["id"]
    rotated = await _configure(api, world, rotateSecret=True)
    assert rotated["secret"] not in (None, first_secret)

    async for hooks in app_client():
        payload = body(sale_event("e-1", (tag, "1"), receipt="R-1"))
        assert (await hooks.post("pos", loc, payload, first_secret)).status_code == 401
        assert (await hooks.post("pos", loc, payload, rotated["secret"])).status_code == 200
        await _configure(api, world, active=False)
        off = await hooks.post("pos", loc, payload, rotated["secret"])
        assert (off.status_code, off.json()["error"]["code"]) == (404, "no_connection")

    listed = await api(CONNECTIONS, {"loc": str(loc)}, token=world.ca.token(Role.AUDITOR))
    [row] = listed["data"]["integrationConnections"]
    assert (row["adapter"], row["active"]) == ("generic", False)


async def test_a_replayed_request_returns_the_connection_without_its_secret(api, world):
    first = await _configure(api, world, idempotencyKey="connect-1")
    replay = await _configure(api, world, idempotencyKey="connect-1")
    assert first["secret"] is not None
    assert (replay["secret"], replay["replayed"]) == (None, True)
    assert replay["connection"]["id"] == first["connection"]["id"]


async def test_bad_configurations_are_typed_refusals(api, world):
    auditor = str(world.as_(Role.AUDITOR).user_id)
    foreign_user = str(world.co.users[Role.BUDTENDER].user_id)
    foreign_endpoint = await webhooks.create_endpoint(
        new_uow(),
        world.co.users[Role.MANAGER],
        webhooks.CreateEndpoint(world.co.location_id, "https://example.com/hook"),
    )
    cases = [
        ({"adapter": "nope"}, "ValidationError", "adapter"),
        ({"adapter": "x" * 500}, "ValidationError", "adapter"),
        ({"actingUserId": auditor}, "ValidationError", "actingUserId"),
        ({"actingUserId": foreign_user}, "NotFound", "user"),
        ({"actingUserId": "99999999999"}, "NotFound", "user"),
        ({"actingUserId": "abc"}, "NotFound", "user"),
        ({"locationId": "abc"}, "NotFound", "location"),
        ({"locationId": "99999999999"}, "NotFound", "location"),
        ({"webhookEndpointId": "1"}, "ValidationError", "webhookEndpointId"),
        (
            {"kind": "DELIVERY", "webhookEndpointId": str(foreign_endpoint.endpoint_id)},
            "NotFound",
            "webhook endpoint",
        ),
        ({"kind": "DELIVERY", "webhookEndpointId": "99999999999"}, "NotFound", "webhook endpoint"),
    ]
    for extra, typename, detail in cases:
        result = await _configure(api, world, **extra)
        assert result["__typename"] == typename, (extra, result)
        if typename == "ValidationError":
            assert result["field"] == detail, extra
        elif typename == "NotFound":
            assert result["entity"] == detail, extra
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM integration_connection") == 0


async def test_an_endpoint_is_shaped_by_one_delivery_connection_at_most(api, world):
    endpoint = await webhooks.create_endpoint(
        new_uow(),
        world.as_(Role.MANAGER),
        webhooks.CreateEndpoint(world.ca.location_id, "https://example.com/platform"),
    )
    linked = await _configure(
        api, world, kind="DELIVERY", webhookEndpointId=str(endpoint.endpoint_id)
    )
    assert linked["connection"]["webhookEndpointId"] == str(endpoint.endpoint_id)
    # Configuring the same connection again keeps its link; another connection may not take it.
    again = await _configure(
        api, world, kind="DELIVERY", webhookEndpointId=str(endpoint.endpoint_id)
    )
    assert again["__typename"] == "ConfigureIntegrationPayload"
    with pytest.raises(ValidationError) as refused:
        await connect(
            world,
            IntegrationKind.DELIVERY,
            adapter="other",
            adapters=["other"],
            webhook_endpoint_id=endpoint.endpoint_id,
        )
    assert refused.value.field == "webhookEndpointId"


async def test_installed_adapters_are_listed(api, world):
    result = await api(ADAPTERS, token=world.ca.token(Role.BUDTENDER))
    names = {(a["kind"], a["name"]) for a in result["data"]["integrationAdapters"]}
    assert {("POS", "generic"), ("DELIVERY", "generic")} <= names
    anonymous = await api(ADAPTERS)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
