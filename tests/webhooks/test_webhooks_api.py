"""What a store manager (and everyone else) can do with webhooks through the GraphQL API."""

from __future__ import annotations

import time

from domain import db
from domain.compliance import credentials
from domain.roles import Role
from domain.webhooks import signing
from tests.webhooks.conftest import add_endpoint, delivery_rows, drain, record
from tests.webhooks.receiver import Answer

CREATE = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on CreateWebhookEndpointPayload { secret replayed endpoint { id url events active } }
    ... on ValidationError { field reason } ... on PermissionDenied { action } } }"""
UPDATE = """mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    __typename ... on WebhookEndpointPayload { endpoint { id url events active } }
    ... on ValidationError { field } ... on PermissionDenied { action } ... on NotFound { entity }
  } }"""
REDELIVER = """mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) {
    __typename ... on WebhookDeliveryPayload { delivery { id status attempts lastError } }
    ... on ValidationError { field reason } ... on PermissionDenied { action } } }"""
ENDPOINTS = """query($loc: ID!) { webhookEndpoints(locationId: $loc) { id url events active } }"""
DELIVERIES = """query($loc: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(locationId: $loc, status: $status, first: $first, after: $after) {
    nodes { id endpointId endpointUrl event eventId status attempts lastStatusCode lastError
            nextAttemptAt deliveredAt payloadJson }
    pageInfo { hasNextPage endCursor } } }"""


def _create_input(world, url: str, **extra) -> dict:
    return {"input": {"locationId": str(world.ca.location_id), "url": url, **extra}}


async def test_only_managers_and_admins_create_endpoints(api, world, receiver):
    variables = _create_input(world, receiver.url("a"))
    for role in Role:
        result = await api(CREATE, variables, token=world.ca.token(role))
        kind = result["data"]["createWebhookEndpoint"]["__typename"]
        allowed = role in (Role.MANAGER, Role.ADMIN)
        assert kind == ("CreateWebhookEndpointPayload" if allowed else "PermissionDenied"), role
    other_admin = await api(CREATE, variables, token=world.co.token(Role.ADMIN))
    assert other_admin["data"]["createWebhookEndpoint"]["__typename"] == "PermissionDenied"
    anonymous = await api(CREATE, variables)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM webhook_endpoint") == 2


async def test_urls_and_events_are_checked(api, world):
    token = world.ca.token(Role.MANAGER)
    refusals = {
        "http://example.com/hook": "url",
        "ftp://example.com/hook": "url",
        "https://user:password@example.com/hook": "url",
        "https:///no-host": "url",
        "not a url": "url",
    }
    for url, field in refusals.items():
        result = await api(CREATE, _create_input(world, url), token=token)
        assert result["data"]["createWebhookEndpoint"]["field"] == field, url
    unknown = await api(
        CREATE,
        _create_input(world, "https://example.com/h", events=["reservation.exploded"]),
        token=token,
    )
    assert unknown["data"]["createWebhookEndpoint"]["field"] == "events"
    weak = await api(
        CREATE, _create_input(world, "https://example.com/h", secret="short"), token=token
    )
    assert weak["data"]["createWebhookEndpoint"]["field"] == "secret"
    for url in ("https://pos.example.com/leafledger", "http://localhost:8080/hook"):
        ok = await api(
            CREATE,
            _create_input(world, url, events=["reservation.expired", "reservation.expired"]),
            token=token,
        )
        payload = ok["data"]["createWebhookEndpoint"]
        assert payload["endpoint"]["events"] == ["reservation.expired"], url


async def test_the_secret_is_shown_once_and_never_again(api, world, receiver):
    token = world.ca.token(Role.ADMIN)
    variables = _create_input(world, receiver.url("a"), idempotencyKey="create-hook-1")
    created = (await api(CREATE, variables, token=token))["data"]["createWebhookEndpoint"]
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(secret) > 40
    endpoint_id = created["endpoint"]["id"]

    replay = (await api(CREATE, variables, token=token))["data"]["createWebhookEndpoint"]
    assert (replay["replayed"], replay["secret"], replay["endpoint"]["id"]) == (
        True,
        None,
        endpoint_id,
    )
    later = [
        await api(ENDPOINTS, {"loc": str(world.ca.location_id)}, token=token),
        await api(UPDATE, {"input": {"endpointId": endpoint_id, "active": True}}, token=token),
    ]
    await record(world.ca.location_id, "reservation.created", "reservation:1:created")
    await drain()
    later.append(await api(DELIVERIES, {"loc": str(world.ca.location_id)}, token=token))
    for response in later:
        assert "errors" not in response, response
        assert secret not in str(response)

    # Not a field anywhere on the endpoint type, and only encrypted in the database.
    fields = await api('{ __type(name: "WebhookEndpoint") { fields { name } } }', token=token)
    assert "secret" not in {f["name"] for f in fields["data"]["__type"]["fields"]}
    async with db.connection() as conn:
        stored = await conn.fetchval(
            "SELECT secret FROM webhook_endpoint WHERE id = $1", int(endpoint_id)
        )
    assert secret not in stored
    assert credentials.decrypt(stored) == {"secret": secret}

    # A new secret can be set (write-only); the next delivery is signed with it.
    new_secret = "whsec_" + "n" * 40
    changed = await api(
        UPDATE, {"input": {"endpointId": endpoint_id, "secret": new_secret}}, token=token
    )
    assert new_secret not in str(changed)
    await record(world.ca.location_id, "reservation.cancelled", "reservation:1:cancelled")
    await drain()
    last = receiver.received("a")[-1]
    header = last.headers["x-leafledger-signature"]
    assert signing.verify(new_secret, header, last.body, time.time())
    assert not signing.verify(secret, header, last.body, time.time())


async def test_a_410_shows_in_the_delivery_log_and_a_manager_can_redeliver(api, world, receiver):
    endpoint = await add_endpoint(world, receiver.url("pos"))
    receiver.script("pos", Answer(410, "this integration was removed"))
    await record(world.ca.location_id, "reservation.expired", "reservation:4:expired", {"n": 4})
    assert (await drain()).failed == 1
    loc = str(world.ca.location_id)

    # Anyone who can read the licence sees the log (here an auditor).
    log = await api(
        DELIVERIES, {"loc": loc, "status": "FAILED"}, token=world.ca.token(Role.AUDITOR)
    )
    [failed] = log["data"]["webhookDeliveries"]["nodes"]
    assert failed["status"] == "FAILED"
    assert (failed["lastStatusCode"], failed["attempts"]) == (410, 1)
    assert failed["lastError"] == "HTTP 410: this integration was removed"
    assert (failed["event"], failed["eventId"]) == ("reservation.expired", "reservation:4:expired")
    assert failed["endpointId"] == str(endpoint.endpoint_id)
    assert failed["payloadJson"] == '{"n": 4}'
    assert failed["nextAttemptAt"] is None
    pending = await api(
        DELIVERIES, {"loc": loc, "status": "PENDING"}, token=world.ca.token(Role.AUDITOR)
    )
    assert pending["data"]["webhookDeliveries"]["nodes"] == []

    redeliver = {"input": {"deliveryId": failed["id"]}}
    denied = await api(REDELIVER, redeliver, token=world.ca.token(Role.BUDTENDER))
    assert denied["data"]["redeliverWebhook"]["__typename"] == "PermissionDenied"
    again = await api(REDELIVER, redeliver, token=world.ca.token(Role.MANAGER))
    requeued = again["data"]["redeliverWebhook"]["delivery"]
    assert (requeued["status"], requeued["attempts"], requeued["lastError"]) == ("PENDING", 0, None)
    assert (await drain()).delivered == 1
    twice = await api(REDELIVER, redeliver, token=world.ca.token(Role.MANAGER))
    assert twice["data"]["redeliverWebhook"]["field"] == "deliveryId"
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert (row["status"], row["attempts"]) == ("delivered", 1)


async def test_other_operators_see_and_change_nothing(api, world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    await record(world.ca.location_id, "reservation.created", "reservation:1:created")
    outsider = world.co.token(Role.ADMIN)
    loc = str(world.ca.location_id)
    for query in (ENDPOINTS, DELIVERIES):
        refused = await api(query, {"loc": loc}, token=outsider)
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    update = {"input": {"endpointId": str(endpoint.endpoint_id), "url": "https://evil.example"}}
    result = await api(UPDATE, update, token=outsider)
    assert result["data"]["updateWebhookEndpoint"] == {
        "__typename": "NotFound",
        "entity": "webhook endpoint",
    }
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    redeliver = await api(REDELIVER, {"input": {"deliveryId": str(row["id"])}}, token=outsider)
    assert redeliver["data"]["redeliverWebhook"]["__typename"] == "NotFound"


async def test_deactivating_an_endpoint_fails_what_it_had_pending(api, world, receiver):
    endpoint = await add_endpoint(world, receiver.url("a"))
    await record(world.ca.location_id, "reservation.created", "reservation:1:created")
    token = world.ca.token(Role.MANAGER)
    off = await api(
        UPDATE,
        {"input": {"endpointId": str(endpoint.endpoint_id), "active": False}},
        token=token,
    )
    assert off["data"]["updateWebhookEndpoint"]["endpoint"]["active"] is False
    [row] = await delivery_rows(endpoint=endpoint.endpoint_id)
    assert (row["status"], row["last_error"]) == ("failed", "endpoint deactivated by Manager")
    assert (await drain()).claimed == 0
    assert await record(world.ca.location_id, "reservation.created", "reservation:2:created") == 0
    refused = await api(REDELIVER, {"input": {"deliveryId": str(row["id"])}}, token=token)
    assert "inactive" in refused["data"]["redeliverWebhook"]["reason"]


async def test_the_log_pages_newest_first(api, world, receiver):
    await add_endpoint(world, receiver.url("a"))
    for n in range(5):
        await record(world.ca.location_id, "reservation.created", f"reservation:{n}:created")
    token = world.ca.token(Role.BUDTENDER)
    loc = str(world.ca.location_id)
    seen: list[str] = []
    after = None
    while True:
        page = await api(DELIVERIES, {"loc": loc, "first": 2, "after": after}, token=token)
        connection = page["data"]["webhookDeliveries"]
        seen += [node["eventId"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == [f"reservation:{n}:created" for n in reversed(range(5))]


async def test_an_id_no_table_could_hold_is_simply_not_found(api, world):
    token = world.ca.token(Role.MANAGER)
    for huge in (str(2**31), str(2**40), str(2**63)):
        result = await api(UPDATE, {"input": {"endpointId": huge, "active": False}}, token=token)
        assert result["data"]["updateWebhookEndpoint"] == {
            "__typename": "NotFound",
            "entity": "webhook endpoint",
        }, huge
