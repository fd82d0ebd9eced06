"""API keys for POS vendors, delivery platforms and floor displays, through the API."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from domain import db
from domain.roles import Role
from tests.api.test_sales_api import RECORD, RESERVE, _sale
from tests.sales.helpers import floor_package

CREATE = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename
  ... on ApiKeyCreated { secret apiKey { id name prefix scopes locationIds active } }
  ... on UserError { message } } }"""
REVOKE = """mutation($id: ID!) { revokeApiKey(id: $id) {
  __typename ... on ApiKeyPayload { apiKey { id active revokedAt } } } }"""
LIST = "{ apiKeys { id prefix scopes active lastUsedAt } }"
PACKAGES = (
    """query($loc: ID!) { packages(locationId: $loc, first: 5) { edges { node { tag } } } }"""
)


async def _key(api, world, scopes: list[str], **extra) -> tuple[str, dict]:
    result = await api(
        CREATE,
        {
            "input": {
                "name": "Acme POS",
                "scopes": scopes,
                "locationIds": [str(world.ca.location_id)],
                **extra,
            }
        },
        token=world.ca.token(Role.ADMIN),
    )
    created = result["data"]["createApiKey"]
    assert created["__typename"] == "ApiKeyCreated", created
    return created["secret"], created["apiKey"]


async def _with_key(api, query: str, variables: dict, key: str, header: str = "bearer") -> dict:
    headers = {"Authorization": f"Bearer {key}"} if header == "bearer" else {"X-Api-Key": key}
    response = await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_pos_key_records_a_sale_and_its_secret_is_stored_only_as_a_hash(api, world):
    secret, key = await _key(api, world, ["RECORD_SALES"])
    assert secret.startswith(f"llk_{key['prefix']}_")
    assert key["active"] is True
    tag, _ = await floor_package(world, "10")

    sold = await _with_key(api, RECORD, _sale(world, tag, "3.5", "POS-1"), secret)

    assert sold["data"]["recordSale"]["sale"]["total"] == "33.25"
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT secret_hash, last_used_at FROM api_key")
        actor = await conn.fetchval("SELECT u.name FROM sale s JOIN app_user u ON u.id = s.sold_by")
    assert secret not in row["secret_hash"]
    assert len(row["secret_hash"]) == 64
    assert row["last_used_at"] is not None
    assert actor == f"API key Acme POS ({key['prefix']})"


async def test_a_sales_key_cannot_create_reservations_or_move_stock(api, world, caplog):
    secret, _ = await _key(api, world, ["RECORD_SALES"])
    tag, _ = await floor_package(world, "10")
    order = {
        "input": {
            "locationId": str(world.ca.location_id),
            "orderRef": "W-1",
            "channel": "PICKUP",
            "lines": [{"tag": tag, "quantity": "1"}],
        }
    }
    with caplog.at_level(logging.WARNING):
        refused = await _with_key(api, RESERVE, order, secret, header="x-api-key")
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "createReservation" in refused["errors"][0]["message"]
    assert any("denied createReservation" in r.getMessage() for r in caplog.records)
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM reservation") == 0


async def test_a_key_works_only_at_its_locations(api, world, caplog):
    secret, _ = await _key(api, world, ["READ_FLOOR_STOCK"])
    here = await _with_key(api, PACKAGES, {"loc": str(world.ca.location_id)}, secret)
    assert here["data"]["packages"]["edges"]
    with caplog.at_level(logging.WARNING):
        elsewhere = await _with_key(api, PACKAGES, {"loc": str(world.co.location_id)}, secret)
    assert elsewhere["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert any("denied read" in r.getMessage() for r in caplog.records)


async def test_a_read_key_cannot_sell_although_the_field_check_would_allow_reads(api, world):
    secret, _ = await _key(api, world, ["READ_FLOOR_STOCK"])
    tag, _ = await floor_package(world, "10")
    refused = await _with_key(api, RECORD, _sale(world, tag, "1", "POS-2"), secret)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM sale") == 0


async def test_rotation_without_downtime_then_the_old_key_stops(api, world, caplog):
    old, old_key = await _key(api, world, ["READ_FLOOR_STOCK"])
    new, _ = await _key(api, world, ["READ_FLOOR_STOCK"])
    loc = {"loc": str(world.ca.location_id)}
    for secret in (old, new):
        assert (await _with_key(api, PACKAGES, loc, secret))["data"]["packages"]["edges"]

    revoked = await api(REVOKE, {"id": old_key["id"]}, token=world.ca.token(Role.ADMIN))
    assert revoked["data"]["revokeApiKey"]["apiKey"]["active"] is False

    with caplog.at_level(logging.WARNING):
        after = await _with_key(api, PACKAGES, loc, old)
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert any("was revoked" in r.getMessage() for r in caplog.records)
    assert (await _with_key(api, PACKAGES, loc, new))["data"]["packages"]["edges"]


async def test_an_expired_or_forged_key_is_anonymous(api, world):
    secret, key = await _key(api, world, ["READ_FLOOR_STOCK"])
    async with db.connection() as conn:
        await conn.execute("UPDATE api_key SET expires_at = now() - interval '1 second'")
    me = await _with_key(api, "{ me { id } }", {}, secret)
    assert me["data"]["me"] is None
    forged = f"llk_{key['prefix']}_{'x' * 43}"
    assert (await _with_key(api, "{ me { id } }", {}, forged))["data"]["me"] is None


async def test_only_admins_issue_and_see_keys_and_keys_cannot_issue_keys(api, world):
    manager = await api(
        CREATE,
        {
            "input": {
                "name": "x",
                "scopes": ["RECORD_SALES"],
                "locationIds": [str(world.ca.location_id)],
            }
        },
        token=world.ca.token(Role.MANAGER),
    )
    assert manager["data"]["createApiKey"]["__typename"] == "PermissionDenied"
    other_store = await api(
        CREATE,
        {
            "input": {
                "name": "x",
                "scopes": ["RECORD_SALES"],
                "locationIds": [str(world.co.location_id)],
            }
        },
        token=world.ca.token(Role.ADMIN),
    )
    assert other_store["data"]["createApiKey"]["__typename"] in ("PermissionDenied", "NotFound")
    secret, key = await _key(api, world, ["RECORD_SALES"])
    by_key = await _with_key(
        api,
        CREATE,
        {"input": {"name": "y", "scopes": ["RECORD_SALES"], "locationIds": ["1"]}},
        secret,
    )
    assert by_key["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    listed = await api(LIST, token=world.ca.token(Role.ADMIN))
    assert [k["prefix"] for k in listed["data"]["apiKeys"]] == [key["prefix"]]
    assert (await api(LIST, token=world.co.token(Role.ADMIN)))["data"]["apiKeys"] == []
    assert (await api(LIST, token=world.ca.token(Role.MANAGER)))["data"]["apiKeys"] == []


async def test_a_key_with_a_past_expiry_or_no_scope_is_refused_and_nothing_is_stored(api, world):
    for extra, field in (
        ({"expiresAt": (datetime.now(UTC) - timedelta(days=1)).isoformat()}, "expiresAt"),
        ({"rateLimitPerMinute": 0}, "rateLimitPerMinute"),
    ):
        result = await api(
            CREATE,
            {
                "input": {
                    "name": "x",
                    "scopes": ["RECORD_SALES"],
                    "locationIds": [str(world.ca.location_id)],
                    **extra,
                }
            },
            token=world.ca.token(Role.ADMIN),
        )
        assert result["data"]["createApiKey"]["__typename"] == "ValidationError"
        assert field in result["data"]["createApiKey"]["message"]
    none = await api(
        CREATE,
        {"input": {"name": "x", "scopes": [], "locationIds": [str(world.ca.location_id)]}},
        token=world.ca.token(Role.ADMIN),
    )
    assert none["data"]["createApiKey"]["__typename"] == "ValidationError"
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM api_key") == 0
