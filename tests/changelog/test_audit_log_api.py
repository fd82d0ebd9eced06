"""The change log through the API: sign-ins, denials, and the auditLog query."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.catalog import services as catalog
from domain.identity import api_keys, throttle
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.authz_cases import AUDIT_LOG_READERS
from tests.api.queries import LOGIN
from tests.changelog.helpers import last_id, rows_since
from tests.support.units import new_uow
from tests.support.world import PASSWORD

AUDIT_LOG = """
query($filter: AuditLogFilter, $first: Int!, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node {
      id operation entityType entityId locationId actorKind client before after
      sequence hash actor { email }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
UPDATE_PRODUCT = """
mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
  __typename ... on UserError { message } } }"""


async def _log(api, token, **filters) -> list[dict]:
    result = await api(AUDIT_LOG, {"filter": filters or None, "first": 50}, token=token)
    assert "errors" not in result, result
    return [e["node"] for e in result["data"]["auditLog"]["edges"]]


async def test_sign_ins_and_wrong_passwords_are_logged_without_the_password(api, world):
    # Redis outlives a run: earlier runs' wrong passwords must not lock these e-mails out.
    for email in ("manager@greenleaf.test", "nobody@nowhere.test"):
        await throttle.unlock(email)
    since = await last_id()
    ok = await api(LOGIN, {"email": "manager@greenleaf.test", "password": PASSWORD})
    assert ok["data"]["login"]["__typename"] == "LoginPayload"
    wrong = await api(LOGIN, {"email": "manager@greenleaf.test", "password": "guess-guess"})
    assert wrong["data"]["login"]["__typename"] == "InvalidCredentials"
    nobody = await api(LOGIN, {"email": "nobody@nowhere.test", "password": "guess-guess"})
    assert nobody["data"]["login"]["__typename"] == "InvalidCredentials"
    rows = await rows_since(since)
    manager = world.as_(Role.MANAGER)
    assert [(r["operation"], r["user_id"], r["entity_id"], r["chain"]) for r in rows] == [
        ("login", manager.user_id, str(manager.user_id), f"operator:{world.ca.operator_id}"),
        ("loginFailed", None, str(manager.user_id), f"operator:{world.ca.operator_id}"),
        ("loginFailed", None, None, "system"),
    ]
    assert all(r["client"].startswith("python-httpx") for r in rows)
    assert rows[2]["after"]["email"] == "nobody@nowhere.test"
    assert PASSWORD not in repr(rows)
    assert "guess-guess" not in repr(rows)


async def test_a_denial_is_logged_while_the_refused_change_writes_nothing(api, world):
    since = await last_id()
    refused = await api(
        UPDATE_PRODUCT,
        {"input": {"id": str(world.product_id), "changes": {"price": "1.00"}}},
        token=world.ca.token(Role.BUDTENDER),
    )
    assert refused["data"]["updateProduct"]["__typename"] == "PermissionDenied"
    (row,) = await rows_since(since)
    assert (row["operation"], row["entity_type"], row["entity_id"]) == (
        "permissionDenied",
        "operation",
        "updateProduct",
    )
    assert row["user_id"] == world.as_(Role.BUDTENDER).user_id
    assert row["after"]["action"] == "manage products and batches"
    async with db.connection() as conn:
        price = await conn.fetchval("SELECT price FROM product WHERE id = $1", world.product_id)
    assert price == Decimal("12")


async def test_only_auditors_compliance_and_admins_read_the_log(api, world):
    for role in Role:
        result = await api(AUDIT_LOG, {"first": 5}, token=world.ca.token(role))
        if role in AUDIT_LOG_READERS:
            assert "errors" not in result, (role, result)
        else:
            assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", role
    # The refusals were logged too (operator-wide rows, which readers see).
    denials = await _log(api, world.ca.token(Role.ADMIN), operation="permissionDenied")
    assert {d["entityId"] for d in denials} == {"auditLog"}
    assert len(denials) == len(set(Role) - AUDIT_LOG_READERS)


async def test_the_log_filters_by_actor_entity_operation_and_period(api, world):
    manager, admin = world.as_(Role.MANAGER), world.as_(Role.ADMIN)
    before = await last_id()  # the world's own set-up (its catalogue) is logged too
    await catalog.update_product(
        new_uow(), manager, catalog.UpdateProduct(world.product_id, {"price": Decimal("15")})
    )
    await organisation.create_zone(
        new_uow(), manager, organisation.CreateZone(world.ca.location_id, "Vault 2", ZoneKind.VAULT)
    )
    await organisation.update_zone(
        new_uow(),
        admin,
        organisation.UpdateZone(world.ca.zone(ZoneKind.SAMPLES), name="Display jars"),
    )
    auditor = world.ca.token(Role.AUDITOR)

    everything = [n for n in await _log(api, auditor) if int(n["id"]) > before]
    assert [n["operation"] for n in everything] == ["updateZone", "createZone", "updateProduct"]
    assert [n["sequence"] for n in everything if n["locationId"]] == [2, 1]

    by_manager = [
        n for n in await _log(api, auditor, actorId=str(manager.user_id)) if int(n["id"]) > before
    ]
    assert {n["operation"] for n in by_manager} == {"createZone", "updateProduct"}
    assert by_manager[0]["actor"]["email"] == manager.email

    product = await _log(api, auditor, entityType="product", entityId=str(world.product_id))
    latest = product[0]
    assert (latest["operation"], latest["before"], latest["after"]) == (
        "updateProduct",
        {"price": "12"},
        {"price": "15"},
    )
    assert [n["operation"] for n in product] == ["updateProduct", "createProduct"]
    assert product[0]["locationId"] is None

    zones = await _log(api, auditor, operation="updateZone")
    assert [n["entityId"] for n in zones] == [str(world.ca.zone(ZoneKind.SAMPLES))]

    future = await _log(api, auditor, since="2099-01-01T00:00:00Z")
    past = await _log(api, auditor, until="2000-01-01T00:00:00Z")
    assert future == past == []


async def test_pages_run_newest_first_with_a_cursor(api, world):
    for n in range(3):
        await organisation.create_zone(
            new_uow(),
            world.as_(Role.MANAGER),
            organisation.CreateZone(world.ca.location_id, f"Shelf {n}", ZoneKind.SALES_FLOOR),
        )
    token = world.ca.token(Role.COMPLIANCE)
    zones = {"entityType": "zone"}
    first = await api(AUDIT_LOG, {"filter": zones, "first": 2}, token=token)
    page = first["data"]["auditLog"]
    assert page["pageInfo"]["hasNextPage"]
    second = await api(
        AUDIT_LOG,
        {"filter": zones, "first": 2, "after": page["pageInfo"]["endCursor"]},
        token=token,
    )
    names = [e["node"]["after"]["name"] for e in page["edges"]] + [
        e["node"]["after"]["name"] for e in second["data"]["auditLog"]["edges"]
    ]
    assert names == ["Shelf 2", "Shelf 1", "Shelf 0"]
    assert not second["data"]["auditLog"]["pageInfo"]["hasNextPage"]


async def test_another_operators_changes_and_ungranted_locations_stay_hidden(api, world):
    await organisation.create_zone(
        new_uow(),
        world.co.users[Role.ADMIN],
        organisation.CreateZone(world.co.location_id, "Their vault", ZoneKind.VAULT),
    )
    await organisation.create_zone(
        new_uow(),
        world.as_(Role.MANAGER),
        organisation.CreateZone(world.ca.location_id, "Our vault", ZoneKind.VAULT),
    )
    auditor = world.ca.token(Role.AUDITOR)
    seen = await _log(api, auditor, entityType="zone")
    assert [n["after"]["name"] for n in seen] == ["Our vault"]
    asked = await api(
        AUDIT_LOG,
        {"filter": {"locationId": str(world.co.location_id)}, "first": 5},
        token=auditor,
    )
    assert asked["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    theirs = await _log(api, world.co.token(Role.ADMIN), entityType="zone")
    assert [n["after"]["name"] for n in theirs] == ["Their vault"]


async def test_reading_a_store_without_a_grant_is_logged_as_a_denial(api, world):
    since = await last_id()
    result = await api(
        "query($loc: ID!) { stockSummary(locationId: $loc) { quantity } }",
        {"loc": str(world.co.location_id)},
        token=world.ca.token(Role.MANAGER),
    )
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    (row,) = await rows_since(since)
    assert (row["operation"], row["entity_id"], row["after"]["detail"]) == (
        "permissionDenied",
        "read",
        f"location {world.co.location_id}",
    )


async def test_a_partner_keys_refusal_names_the_key(api, world):
    created = await api_keys.create(
        new_uow(),
        world.as_(Role.ADMIN),
        api_keys.CreateApiKey(
            "Till 1",
            frozenset({api_keys.Scope.RECORD_SALES}),
            frozenset({world.ca.location_id}),
        ),
    )
    since = await last_id()
    result = await api(AUDIT_LOG, {"first": 5}, token=created.secret)
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    (row,) = await rows_since(since)
    assert (row["operation"], row["entity_id"], row["actor_kind"], row["api_key_id"]) == (
        "permissionDenied",
        "auditLog",
        "partner_key",
        created.key_id,
    )
    assert created.secret not in repr(row)
