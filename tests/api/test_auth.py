"""Signing in, and seeing only your own licences."""

from __future__ import annotations

from domain.roles import Role
from tests.api.queries import LOGIN, PACKAGES, TRANSFER, transfer_input
from tests.support.world import PASSWORD


async def test_a_manager_signs_in_and_sees_their_role(api, world):
    result = await api(LOGIN, {"email": "manager@greenleaf.test", "password": PASSWORD})
    payload = result["data"]["login"]
    assert payload["__typename"] == "LoginPayload"
    assert payload["me"]["grants"] == [
        {"role": "MANAGER", "location": {"licenseNumber": "C10-0000001-LIC"}}
    ]
    me = await api("{ me { email } }", token=payload["token"])
    assert me["data"]["me"]["email"] == "manager@greenleaf.test"


async def test_a_wrong_password_is_a_typed_refusal(api, world):
    result = await api(LOGIN, {"email": "manager@greenleaf.test", "password": "nope-nope-nope"})
    assert result["data"]["login"]["__typename"] == "InvalidCredentials"


async def test_anonymous_callers_see_nothing_and_change_nothing(api, world):
    assert (await api("{ me { email } }"))["data"] == {"me": None}
    listed = await api("{ me { email } locations { id } }")
    assert listed["data"] is None
    assert listed["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    result = await api(TRANSFER, {"input": transfer_input(world, "1")})
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_staff_of_one_licence_cannot_read_another(api, world):
    token = world.co.token(Role.ADMIN)
    result = await api(PACKAGES, {"loc": str(world.ca.location_id), "first": 10}, token=token)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_budtender_cannot_take_stock_out_of_the_vault(api, world):
    result = await api(
        TRANSFER, {"input": transfer_input(world, "1")}, token=world.ca.token(Role.BUDTENDER)
    )
    assert result["data"]["transferStock"] == {
        "__typename": "PermissionDenied",
        "action": "move vault stock",
    }
