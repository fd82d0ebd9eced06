"""Administering a store through the API: staff, zones, products and batches."""

from __future__ import annotations

from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.queries import LOGIN, PACKAGES

CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  __typename ... on UserPayload { user { id email } replayed }
  ... on PermissionDenied { action } ... on ValidationError { field reason } } }"""
SET_GRANT = """mutation($input: SetGrantInput!) { setGrant(input: $input) {
  __typename ... on UserPayload { user { email } } ... on UserError { message } } }"""


async def test_an_admin_hires_a_budtender_who_can_sign_in(api, world):
    admin = world.ca.token(Role.ADMIN)
    created = await api(
        CREATE_USER,
        {
            "input": {
                "email": "New.Hire@GreenLeaf.test",
                "name": "New Hire",
                "password": "long-enough-pw",
                "grants": [{"locationId": str(world.ca.location_id), "role": "BUDTENDER"}],
            }
        },
        token=admin,
    )
    assert created["data"]["createUser"]["user"]["email"] == "new.hire@greenleaf.test"
    login = await api(LOGIN, {"email": "new.hire@greenleaf.test", "password": "long-enough-pw"})
    assert login["data"]["login"]["me"]["grants"][0]["role"] == "BUDTENDER"


async def test_a_manager_cannot_hire_and_a_short_password_is_refused(api, world):
    variables = {
        "input": {
            "email": "x@greenleaf.test",
            "name": "X",
            "password": "short",
            "grants": [{"locationId": str(world.ca.location_id), "role": "ADMIN"}],
        }
    }
    denied = await api(CREATE_USER, variables, token=world.ca.token(Role.MANAGER))
    assert denied["data"]["createUser"]["__typename"] == "PermissionDenied"
    refused = await api(CREATE_USER, variables, token=world.ca.token(Role.ADMIN))
    assert refused["data"]["createUser"]["field"] == "password"


async def test_removing_a_grant_takes_effect_on_the_next_request(api, world):
    auditor = world.ca.users[Role.AUDITOR]
    token = world.ca.token(Role.AUDITOR)
    variables = {"loc": str(world.ca.location_id), "first": 1}
    assert "errors" not in await api(PACKAGES, variables, token=token)
    removed = await api(
        SET_GRANT,
        {
            "input": {
                "userId": str(auditor.user_id),
                "locationId": str(world.ca.location_id),
                "role": None,
            }
        },
        token=world.ca.token(Role.ADMIN),
    )
    assert removed["data"]["setGrant"]["__typename"] == "UserPayload"
    after = await api(PACKAGES, variables, token=token)
    assert after["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_zone_holding_stock_cannot_be_deactivated(api, world):
    result = await api(
        """mutation($input: UpdateZoneInput!) { updateZone(input: $input) {
             __typename ... on ValidationError { field reason } } }""",
        {"input": {"zoneId": str(world.ca.zone(ZoneKind.VAULT)), "active": False}},
        token=world.ca.token(Role.MANAGER),
    )
    assert result["data"]["updateZone"] == {
        "__typename": "ValidationError",
        "field": "active",
        "reason": "the zone still holds stock; move it first",
    }


async def test_a_second_vault_and_a_bad_time_zone(api, world):
    manager = world.ca.token(Role.MANAGER)
    created = await api(
        """mutation($input: CreateZoneInput!) { createZone(input: $input) {
             __typename ... on ZonePayload { zone { name kind sellable } } } }""",
        {"input": {"locationId": str(world.ca.location_id), "name": "Back Vault", "kind": "VAULT"}},
        token=manager,
    )
    assert created["data"]["createZone"]["zone"] == {
        "name": "Back Vault",
        "kind": "VAULT",
        "sellable": False,
    }
    moved = await api(
        """mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
             __typename ... on ValidationError { field } } }""",
        {"input": {"id": str(world.ca.location_id), "timezone": "Mars/Olympus_Mons"}},
        token=manager,
    )
    assert moved["data"]["updateLocation"] == {"__typename": "ValidationError", "field": "timezone"}


async def test_a_failed_retest_is_recorded_on_the_batch(api, world):
    result = await api(
        """mutation($input: UpdateBatchInput!) { updateBatch(input: $input) {
             __typename ... on BatchPayload { batch { labStatus product { sku } } } } }""",
        {"input": {"id": str(world.batch_id), "changes": {"labStatus": "FAILED"}}},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    assert result["data"]["updateBatch"]["batch"] == {
        "labStatus": "FAILED",
        "product": {"sku": "FL-OG-3.5"},
    }


async def test_another_operators_product_is_not_found(api, world):
    result = await api(
        """mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
             __typename } }""",
        {"input": {"id": str(world.product_id), "changes": {"price": "1.00"}}},
        token=world.co.token(Role.ADMIN),
    )
    assert result["data"]["updateProduct"]["__typename"] == "NotFound"


async def test_a_manager_sets_the_stores_sales_and_receiving_policy(api, world):
    result = await api(
        """mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
             __typename ... on LocationPayload { location { fefoPolicy reserveFromVault
               reservationHoldMinutes receivingTolerancePct receivingRequiresSignoff } }
             ... on ValidationError { field } } }""",
        {
            "input": {
                "id": str(world.ca.location_id),
                "fefoPolicy": "REFUSE",
                "reserveFromVault": True,
                "reservationHoldMinutes": 90,
                "receivingTolerancePct": "1.5",
                "receivingRequiresSignoff": True,
            }
        },
        token=world.ca.token(Role.MANAGER),
    )
    assert result["data"]["updateLocation"]["location"] == {
        "fefoPolicy": "REFUSE",
        "reserveFromVault": True,
        "reservationHoldMinutes": 90,
        "receivingTolerancePct": "1.50",
        "receivingRequiresSignoff": True,
    }


async def test_a_product_edit_the_tables_cannot_hold_names_the_field_and_changes_nothing(
    api, world
):
    edit = """mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
                __typename ... on ValidationError { field } } }"""
    token = world.ca.token(Role.MANAGER)
    edits = (
        {"sku": "S" * 65},
        {"brand": "B" * 101},
        {"name": None},
        {"name": "   "},
        {"price": None},
        {"category": None},
    )
    refused = []
    for changes in edits:
        result = await api(
            edit, {"input": {"id": str(world.product_id), "changes": changes}}, token
        )
        refused.append(result["data"]["updateProduct"])
    assert refused == [{"__typename": "ValidationError", "field": next(iter(c))} for c in edits]
    product = await api(
        "query($id: ID!) { product(id: $id) { sku name brand price category } }",
        {"id": str(world.product_id)},
        token,
    )
    assert product["data"]["product"]["sku"] == "FL-OG-3.5"
    assert product["data"]["product"]["name"].strip()
