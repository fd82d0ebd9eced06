"""Refresh tokens: rotation, reuse detection, sign-out here and everywhere."""

from __future__ import annotations

from domain import db
from tests.support.world import PASSWORD

LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
  __typename ... on LoginPayload { token refreshToken } } }"""
REFRESH = """mutation($t: String!) { refreshToken(refreshToken: $t) {
  __typename ... on SessionPayload { token refreshToken me { email } }
  ... on UserError { message } } }"""
LOGOUT = "mutation($t: String!) { logout(refreshToken: $t) { signedOut } }"
EVERYWHERE = """mutation { logoutEverywhere { __typename ... on SignedOut { signedOut } } }"""
ME = "{ me { email } }"


async def _login(api) -> dict:
    result = await api(LOGIN, {"email": "manager@greenleaf.test", "password": PASSWORD})
    payload = result["data"]["login"]
    assert payload["__typename"] == "LoginPayload"
    return payload


async def test_a_refresh_token_gives_a_new_pair_once(api, world):
    first = await _login(api)
    renewed = (await api(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert renewed["__typename"] == "SessionPayload"
    assert renewed["refreshToken"] != first["refreshToken"]
    assert (await api(ME, token=renewed["token"]))["data"]["me"]["email"] == (
        "manager@greenleaf.test"
    )
    async with db.connection() as conn:
        stored = await conn.fetch("SELECT token_hash FROM refresh_token")
    assert all(first["refreshToken"] not in r["token_hash"] for r in stored)


async def test_reusing_a_spent_refresh_token_revokes_the_whole_family(api, world):
    first = await _login(api)
    renewed = (await api(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]

    replay = (await api(REFRESH, {"t": first["refreshToken"]}))["data"]["refreshToken"]
    assert replay["__typename"] == "InvalidCredentials"

    # The thief's replay also killed the legitimate holder's newer token: both must sign in.
    after = (await api(REFRESH, {"t": renewed["refreshToken"]}))["data"]["refreshToken"]
    assert after["__typename"] == "InvalidCredentials"


async def test_logout_ends_this_session_only(api, world):
    here, there = await _login(api), await _login(api)
    assert (await api(LOGOUT, {"t": here["refreshToken"]}))["data"]["logout"]["signedOut"]
    refused = (await api(REFRESH, {"t": here["refreshToken"]}))["data"]["refreshToken"]
    assert refused["__typename"] == "InvalidCredentials"
    other = (await api(REFRESH, {"t": there["refreshToken"]}))["data"]["refreshToken"]
    assert other["__typename"] == "SessionPayload"


async def test_logout_everywhere_stops_access_and_refresh_tokens(api, world):
    here, there = await _login(api), await _login(api)
    done = await api(EVERYWHERE, token=here["token"])
    assert done["data"]["logoutEverywhere"] == {"__typename": "SignedOut", "signedOut": True}

    for session in (here, there):
        assert (await api(ME, token=session["token"]))["data"]["me"] is None
        refused = (await api(REFRESH, {"t": session["refreshToken"]}))["data"]["refreshToken"]
        assert refused["__typename"] == "InvalidCredentials"
    assert (await _login(api))["token"]


async def test_a_garbage_refresh_token_is_refused(api, world):
    refused = (await api(REFRESH, {"t": "not-a-token"}))["data"]["refreshToken"]
    assert refused["__typename"] == "InvalidCredentials"


async def test_the_nightly_purge_removes_only_sign_ins_that_are_dead_for_a_week(api, world):
    from tests.support.units import job_ctx
    from workers import jobs

    old = await _login(api)
    await api(REFRESH, {"t": old["refreshToken"]})  # a spent token and its live successor
    live = await _login(api)
    await api(REFRESH, {"t": live["refreshToken"]})
    async with db.connection() as conn:
        families = [
            r["family"] for r in await conn.fetch("SELECT DISTINCT family FROM refresh_token")
        ]
        assert len(families) == 2
        # The first sign-in's tokens all expired eight days ago; the second's spent token did
        # too, but its successor is still good, so its spent token must stay (reuse detection).
        dead = await conn.fetchval(
            "SELECT family FROM refresh_token WHERE token_hash IN (SELECT token_hash FROM"
            " refresh_token ORDER BY id LIMIT 1)"
        )
        await conn.execute(
            "UPDATE refresh_token SET expires_at = now() - interval '8 days' WHERE family = $1",
            dead,
        )
        await conn.execute(
            "UPDATE refresh_token SET expires_at = now() - interval '8 days'"
            " WHERE family <> $1 AND used_at IS NOT NULL",
            dead,
        )

    assert await jobs.purge_refresh_tokens(job_ctx()) == {"deleted": 2}
    assert await jobs.purge_refresh_tokens(job_ctx()) == {"deleted": 0}
    async with db.connection() as conn:
        left = await conn.fetch("SELECT family, used_at FROM refresh_token")
    assert {r["family"] for r in left} == set(families) - {dead}
    assert len(left) == 2  # the live sign-in keeps its spent token and its current one
