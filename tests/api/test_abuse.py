"""What an outside probe tried (issue 10, findings 1 and 5): oversized bodies and lists, anonymous
callers reaching expensive operations, introspection, forged token claims, float quantities."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer

from domain import db, settings
from domain.roles import Role
from tests.api.queries import TRANSFER, transfer_input

RECORD = """mutation($input: RecordSaleInput!) { recordSale(input: $input) {
  __typename ... on ValidationError { field reason } } }"""
INTROSPECT = "{ __schema { queryType { name } } }"
SPREAD = '{ ...I } fragment I on Query { __type(name: "Sale") { name } }'
MiB = 1 << 20


def _sale(world, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "input": {
            "locationId": str(world.ca.location_id),
            "register": "R1",
            "posReceiptId": "A-1",
            "customerType": "ADULT_USE",
            "customerKey": "id-hash-1",
            "lines": lines,
        }
    }


def _lines(count: int, quantity: str = "1") -> list[dict[str, str]]:
    return [{"tag": f"T{i}", "quantity": quantity, "unitPrice": "9.50"} for i in range(count)]


async def _written() -> tuple[int, int]:
    async with db.connection() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM sale"),
            await conn.fetchval("SELECT count(*) FROM movement"),
        )


@pytest.fixture
async def http(clean_db: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(settings.load()) as client:
        yield client


def _client(config: settings.Settings) -> httpx.AsyncClient:
    from api.app import create_app

    transport = httpx.ASGITransport(app=create_app(config))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def _post(http: httpx.AsyncClient, query: str, variables=None, token=None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def _code(result: dict) -> str:
    assert result["data"] is None, result
    return result["errors"][0]["extensions"]["code"]


# -- Finding 1: body size ---------------------------------------------------------------------


async def test_a_body_over_a_mebibyte_is_refused_with_413(http, world):
    before = await _written()
    lines = _lines(100_000)  # ~4.9 MB, the probe's request
    response = await http.post("/graphql", json={"query": RECORD, "variables": _sale(world, lines)})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await _written() == before


async def test_a_chunked_body_is_refused_once_past_the_limit_without_reading_the_rest(http):
    sent = 0

    async def five_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(80):
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    response = await http.post(
        "/graphql", content=five_megabytes(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "content-length" not in response.request.headers  # it was streamed, chunked
    assert sent <= MiB + 64 * 1024  # the server stopped reading at the limit


async def test_the_body_limit_is_a_setting(clean_db, world):
    config = dataclasses.replace(settings.load(), max_body_bytes=1000)
    async with _client(config) as small:
        response = await small.post("/graphql", json={"query": "{ me { id } }", "x": "y" * 1000})
        assert response.status_code == 413
        assert (await _post(small, "{ me { id } }"))["data"] == {"me": None}


async def _leave_mid_body(app: Any, path: str, query_string: str) -> list[dict]:
    """Call ``app`` as a server would for a client that hangs up mid-upload; what it sent."""
    messages = [
        {"type": "http.request", "body": b'{"events": [', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query_string.encode(),
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    return sent


async def test_a_client_that_leaves_mid_body_crashes_nothing(clean_db, world):
    from api.app import create_app

    app = create_app(settings.load())
    for path in ("/graphql", "/hooks/pos/generic"):
        # Before: ClientDisconnect escaped the webhook endpoint (a 500 and a traceback).
        sent = await _leave_mid_body(app, path, f"location={world.ca.location_id}")
        assert all(m.get("status", 200) < 500 for m in sent), (path, sent)


# -- Finding 1: lists bounded by the schema, before coercion ------------------------------------


async def test_a_sale_of_101_lines_is_refused_before_any_line_is_coerced(api, world):
    token = world.ca.token(Role.BUDTENDER)
    before = await _written()
    # Every quantity is malformed: had GraphQL coerced the lines, the error would be about them.
    result = await api(RECORD, _sale(world, _lines(101, quantity="not a number")), token=token)
    assert _code(result) == "BAD_USER_INPUT"
    assert result["errors"][0]["message"] == "RecordSaleInput.lines takes at most 100 items"
    hundred = await api(RECORD, _sale(world, _lines(100, quantity="not a number")), token=token)
    assert "Decimal" in hundred["errors"][0]["message"]  # within the limit: coerced as before
    assert await _written() == before


async def test_a_list_literal_over_its_limit_is_refused_by_validation(api, world):
    lines = ", ".join(f'{{tag: "T{i}", quantity: "1", unitPrice: "1"}}' for i in range(101))
    query = (
        'mutation { recordSale(input: {locationId: "1", register: "R1", posReceiptId: "A",'
        f" customerType: ADULT_USE, lines: [{lines}]}}) {{ __typename }} }}"
    )
    result = await api(query, token=world.ca.token(Role.BUDTENDER))
    assert result["errors"][0]["message"] == "RecordSaleInput.lines takes at most 100 items"


async def test_lists_without_their_own_maximum_get_the_default(api, world):
    from api.list_limits import DEFAULT_MAX_ITEMS

    query = """mutation($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { __typename } }"""
    variables = {
        "input": {
            "locationId": str(world.ca.location_id),
            "url": "https://example.test/hook",
            "events": ["sale.recorded"] * (DEFAULT_MAX_ITEMS + 1),
        }
    }
    result = await api(query, variables, token=world.ca.token(Role.ADMIN))
    assert result["errors"][0]["message"] == (
        f"CreateWebhookEndpointInput.events takes at most {DEFAULT_MAX_ITEMS} items"
    )


def test_every_named_maximum_is_a_list_input_of_the_schema():
    from graphql import get_nullable_type, is_list_type

    from api.list_limits import LIMITS
    from api.schema import schema

    for coordinate in LIMITS:
        type_name, field = coordinate.split(".")
        input_type = schema._schema.type_map[type_name]
        assert is_list_type(get_nullable_type(input_type.fields[field].type)), coordinate


async def test_a_list_variable_gets_the_maximum_of_the_field_it_fills(api, world):
    query = """mutation($lines: [SaleLineInput!]!, $loc: ID!) { recordSale(input: {
      locationId: $loc, register: "R1", posReceiptId: "A", customerType: ADULT_USE,
      lines: $lines}) { __typename } }"""
    variables = {"lines": _lines(101), "loc": str(world.ca.location_id)}
    result = await api(query, variables, token=world.ca.token(Role.BUDTENDER))
    assert result["errors"][0]["message"] == "$lines takes at most 100 items"


# -- Finding 1: anonymous callers ----------------------------------------------------------------


async def test_an_anonymous_sale_is_refused_before_its_lines_are_coerced(api, world):
    result = await api(RECORD, _sale(world, _lines(100, quantity="not a number")))
    assert _code(result) == "UNAUTHENTICATED"
    assert (await api("{ me { id } }"))["data"] == {"me": None}
    hidden = "query { ...Everything } fragment Everything on Query { me { id } locations { id } }"
    assert _code(await api(hidden)) == "UNAUTHENTICATED"


# -- Finding 5a: introspection -------------------------------------------------------------------


async def test_introspection_follows_the_setting(clean_db, world):
    budtender = world.ca.token(Role.BUDTENDER)
    base = settings.load()
    for mode, anonymous_ok, signed_in_ok in (
        ("public", True, True),
        ("signed-in", False, True),
        ("off", False, False),
    ):
        async with _client(dataclasses.replace(base, introspection=mode)) as http:
            anonymous = await _post(http, INTROSPECT)
            signed_in = await _post(http, INTROSPECT, token=budtender)
            spread = await _post(http, SPREAD)
        assert ("errors" not in anonymous) is anonymous_ok, (mode, anonymous)
        assert ("errors" not in signed_in) is signed_in_ok, (mode, signed_in)
        assert ("errors" not in spread) is anonymous_ok, (mode, spread)
    assert settings.Settings(None, None, base.data_dir, "k").introspection == "signed-in"


# -- Finding 5d: token claims --------------------------------------------------------------------


async def test_a_token_whose_claims_are_booleans_is_nobody(api, world):
    secret = settings.load().secret_key
    forged = URLSafeTimedSerializer(secret, salt="leafledger.bearer").dumps([True, False])
    assert (await api("{ me { id } }", token=forged))["data"] == {"me": None}
    for claims in ([1.0, 0], ["1", 0], [1, None], [2**40, 0], [0, 0]):
        token = URLSafeTimedSerializer(secret, salt="leafledger.bearer").dumps(claims)
        assert (await api("{ me { id } }", token=token))["data"] == {"me": None}, claims
    real = URLSafeTimedSerializer(secret, salt="leafledger.bearer").dumps([1, 0])
    assert (await api("{ me { id } }", token=real))["data"]["me"] is not None


# -- Finding 5f: quantities are text -------------------------------------------------------------


async def test_a_quantity_sent_as_a_json_number_is_refused(api, world):
    token = world.ca.token(Role.INVENTORY_LEAD)
    before = await _written()
    for number in (1.5, 1):
        result = await api(TRANSFER, {"input": transfer_input(world, number)}, token=token)
        assert result["data"] is None
        assert "Send it as a string" in result["errors"][0]["message"]
    literal = f"""mutation {{ transferStock(input: {{locationId: "{world.ca.location_id}",
      tag: "{world.tag}", fromZoneId: "1", toZoneId: "2", quantity: 1.5}}) {{ __typename }} }}"""
    refused = await api(literal, token=token)
    assert "Send it as a string" in refused["errors"][0]["message"]
    assert await _written() == before
    moved = await api(TRANSFER, {"input": transfer_input(world, "1.5")}, token=token)
    assert moved["data"]["transferStock"]["__typename"] == "StockMovedPayload"


# -- Finding 5g: a disabled state connection -----------------------------------------------------

CONFIGURE = """mutation($input: ConfigureStateConnectionInput!) {
  configureStateConnection(input: $input) {
    __typename ... on ConnectionPayload { system baseUrl hasCredentials } } }"""


async def test_disabling_a_state_connection_answers_what_is_stored(api, world, metrc):
    variables = {
        "input": {
            "locationId": str(world.ca.location_id),
            "baseUrl": metrc.base_url,
            "enabled": False,
        }
    }
    result = await api(CONFIGURE, variables, token=world.ca.token(Role.ADMIN))
    assert result["data"]["configureStateConnection"] == {
        "__typename": "ConnectionPayload",
        "system": "metrc",
        "baseUrl": metrc.base_url,
        "hasCredentials": True,
    }
