"""Password guessing is throttled: per e-mail and per client address, with a lockout that even
the right password cannot get through, answered alike whether or not the e-mail has an account."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from api.bootstrap import configure
from domain import errors, settings
from domain.identity import services as identity
from domain.identity import throttle
from domain.roles import Role
from tests.conftest import SETTINGS
from tests.support.world import CODEC, PASSWORD

LOGIN = """mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    __typename ... on TooManyLoginAttempts { retryAfterSeconds } } }"""
MANAGER = "manager@greenleaf.test"
NOBODY = "nobody@greenleaf.test"


@pytest.fixture(autouse=True)
async def limits(monkeypatch) -> AsyncIterator[None]:
    """3 failures per e-mail, 6 per address, locked for 15 minutes; no counts left over."""
    _set_limits(
        monkeypatch,
        LEAFLEDGER_LOGIN_MAX_FAILURES="3",
        LEAFLEDGER_LOGIN_MAX_FAILURES_PER_ADDRESS="6",
        LEAFLEDGER_LOGIN_LOCKOUT_SECONDS="900",
    )
    await _forget_everything()
    yield
    await _forget_everything()
    configure(SETTINGS)


def _set_limits(monkeypatch, **variables: str) -> None:
    """Change the settings as an operator would (the environment), then apply them."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    configure(settings.load())


async def _forget_everything() -> None:
    redis = throttle._redis()
    keys = [key async for key in redis.scan_iter(match=f"{throttle._PREFIX}:*")]
    if keys:
        await redis.delete(*keys)


async def _login(api, email: str, password: str) -> dict:
    result = await api(LOGIN, {"email": email, "password": password})
    return result["data"]["login"]


async def test_after_three_wrong_passwords_even_the_right_one_is_refused(api, world):
    answers = [(await _login(api, MANAGER, "wrong-password-1"))["__typename"] for _ in range(3)]
    locked = await _login(api, MANAGER, PASSWORD)

    assert answers == ["InvalidCredentials"] * 3
    assert locked["__typename"] == "TooManyLoginAttempts"
    assert 890 <= locked["retryAfterSeconds"] <= 900


async def test_an_unknown_email_is_answered_exactly_like_a_real_one(api, world, monkeypatch):
    # Both from the test client's one address: keep its own limit out of the comparison.
    _set_limits(monkeypatch, LEAFLEDGER_LOGIN_MAX_FAILURES_PER_ADDRESS="100")
    real = [await _login(api, MANAGER, "wrong-password-1") for _ in range(5)]
    unknown = [await _login(api, NOBODY, "wrong-password-1") for _ in range(5)]

    assert [a["__typename"] for a in real] == [a["__typename"] for a in unknown]
    assert real[3:] == unknown[3:]


async def test_other_accounts_are_not_locked_by_one_accounts_guesses(api, world):
    # Four failures: under the address's limit of 6, over the account's of 3.
    for _ in range(4):
        await _login(api, MANAGER, "wrong-password-1")

    assert (await _login(api, "budtender@greenleaf.test", PASSWORD))["__typename"] == (
        "LoginPayload"
    )


async def test_a_successful_sign_in_forgives_earlier_typos(api, world):
    for _ in range(2):
        await _login(api, MANAGER, "wrong-password-1")
    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "LoginPayload"
    for _ in range(2):
        await _login(api, MANAGER, "wrong-password-1")

    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "LoginPayload"


async def test_the_lockout_ends_after_the_configured_period(api, world, monkeypatch):
    _set_limits(monkeypatch, LEAFLEDGER_LOGIN_LOCKOUT_SECONDS="1.5")
    for _ in range(3):
        await _login(api, MANAGER, "wrong-password-1")
    # Knocking during the lockout (more times than the limit) does not extend it.
    for _ in range(5):
        assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "TooManyLoginAttempts"

    await asyncio.sleep(1.6)

    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "LoginPayload"


async def test_a_burst_of_concurrent_guesses_gets_no_more_tries_than_the_limit(world):
    async def guess(i: int) -> str:
        try:
            await identity.login(CODEC, MANAGER, f"wrong-password-{i}", "198.51.100.7")
        except errors.DomainError as exc:
            return type(exc).__name__
        return "signed in"

    answers = await asyncio.gather(*(guess(i) for i in range(20)))

    assert answers.count("InvalidCredentials") <= 3
    assert answers.count("TooManyLoginAttempts") >= 17


async def test_one_address_guessing_many_accounts_is_locked_out(world):
    emails = [f"{role.value}@greenleaf.test" for role in Role]
    for email in emails:
        with pytest.raises(errors.InvalidCredentials):
            await identity.login(CODEC, email, "wrong-password-1", "203.0.113.9")

    # Six failures from this address: it is locked out, even for a right password...
    with pytest.raises(errors.TooManyLoginAttempts):
        await identity.login(CODEC, MANAGER, PASSWORD, "203.0.113.9")
    # ...while the same staff member signs in from the store's own address.
    token, principal = await identity.login(CODEC, MANAGER, PASSWORD, "192.0.2.10")
    assert principal.email == MANAGER
    assert token


async def test_a_lockout_is_logged(api, world, caplog):
    with caplog.at_level(logging.WARNING, logger="domain.identity.throttle"):
        for _ in range(4):
            await _login(api, MANAGER, "wrong-password-1")

    lines = [r.getMessage() for r in caplog.records]
    assert any("login locked out: account 'manager@greenleaf.test'" in line for line in lines)
    assert any("login refused while locked out" in line for line in lines)


async def test_guesses_at_many_accounts_through_the_api_lock_the_callers_address(api, world):
    for role in Role:
        await _login(api, f"{role.value}@greenleaf.test", "wrong-password-1")

    # Six failures from the test client's address, one per account: the address is locked.
    answer = await _login(api, "admin@milehigh.test", PASSWORD)

    assert answer["__typename"] == "TooManyLoginAttempts"


UNLOCK = """mutation($user: ID!, $loc: ID!) {
  unlockSignIn(input: { userId: $user, locationId: $loc }) {
    __typename ... on UserPayload { user { email } } } }"""


async def test_an_admin_lets_a_locked_out_manager_back_in_at_once(api, world):
    for _ in range(3):
        await _login(api, MANAGER, "wrong-password-1")
    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "TooManyLoginAttempts"
    manager = world.ca.users[Role.MANAGER].user_id
    variables = {"user": str(manager), "loc": str(world.ca.location_id)}

    # Another manager cannot lift it; the lockout stands.
    refused = await api(UNLOCK, variables, token=world.ca.token(Role.COMPLIANCE))
    assert refused["data"]["unlockSignIn"]["__typename"] == "PermissionDenied"
    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "TooManyLoginAttempts"
    # An admin of the other licence does not know this person.
    elsewhere = await api(UNLOCK, variables, token=world.co.token(Role.ADMIN))
    assert elsewhere["data"]["unlockSignIn"]["__typename"] in {"NotFound", "PermissionDenied"}

    lifted = await api(UNLOCK, variables, token=world.ca.token(Role.ADMIN))
    assert lifted["data"]["unlockSignIn"] == {
        "__typename": "UserPayload",
        "user": {"email": MANAGER},
    }
    assert (await _login(api, MANAGER, PASSWORD))["__typename"] == "LoginPayload"
