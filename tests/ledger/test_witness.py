"""A witness vouches with their own credentials, checked by the server, with guesses limited."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain import db
from domain.errors import (
    InvalidCredentials,
    ValidationError,
    WitnessIsActor,
    WitnessLocked,
    WitnessNotAccepted,
)
from domain.identity import throttle
from domain.identity.witness import (
    SetWitnessPin,
    WitnessCredentials,
    set_witness_pin,
    verify_witness,
)
from domain.roles import Capability, Role
from tests.support.units import new_uow
from tests.support.world import PASSWORD


@pytest.fixture(autouse=True)
async def no_counts_left_over() -> AsyncIterator[None]:
    async def forget() -> None:
        redis = throttle._redis()
        keys = [key async for key in redis.scan_iter(match=f"{throttle._PREFIX}:*")]
        if keys:
            await redis.delete(*keys)

    await forget()
    yield
    await forget()


async def test_a_colleague_witnesses_with_their_password(world):
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    witness = await verify_witness(
        lead.user_id, world.ca.location_id, WitnessCredentials(manager.email, PASSWORD)
    )
    assert witness == manager.user_id


async def test_the_actor_cannot_witness_themselves(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    with pytest.raises(WitnessIsActor):
        await verify_witness(
            lead.user_id, world.ca.location_id, WitnessCredentials(lead.email, PASSWORD)
        )


async def test_a_wrong_secret_or_a_stranger_is_refused_alike(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    co_manager = world.co.users[Role.MANAGER]
    for email, secret in [
        (world.as_(Role.MANAGER).email, "wrong-password"),
        ("nobody@greenleaf.test", PASSWORD),
        # The right password, but no role at this store.
        (co_manager.email, PASSWORD),
    ]:
        with pytest.raises(WitnessNotAccepted):
            await verify_witness(
                lead.user_id, world.ca.location_id, WitnessCredentials(email, secret)
            )


async def test_a_witness_without_the_capability_is_refused(world):
    lead = world.as_(Role.INVENTORY_LEAD)
    with pytest.raises(WitnessNotAccepted):
        await verify_witness(
            lead.user_id,
            world.ca.location_id,
            WitnessCredentials(world.as_(Role.AUDITOR).email, PASSWORD),
            capability=Capability.ADJUST_STOCK,
        )


async def test_five_wrong_pins_lock_the_witness_even_with_the_right_one(world):
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    await set_witness_pin(new_uow(), manager, SetWitnessPin(PASSWORD, "4821"))
    for _ in range(throttle.configured_limits().per_account):
        with pytest.raises(WitnessNotAccepted):
            await verify_witness(
                lead.user_id, world.ca.location_id, WitnessCredentials(manager.email, "0000")
            )
    with pytest.raises(WitnessLocked) as locked:
        await verify_witness(
            lead.user_id, world.ca.location_id, WitnessCredentials(manager.email, "4821")
        )
    assert locked.value.retry_after_seconds > 0


async def test_with_a_pin_set_the_pin_witnesses_and_the_password_no_longer_does(world):
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    saved = await set_witness_pin(new_uow(), manager, SetWitnessPin(PASSWORD, "4821"))
    assert saved.value.has_pin
    location = world.ca.location_id
    assert (
        await verify_witness(lead.user_id, location, WitnessCredentials(manager.email, "4821"))
        == manager.user_id
    )
    with pytest.raises(WitnessNotAccepted):
        await verify_witness(lead.user_id, location, WitnessCredentials(manager.email, PASSWORD))


async def test_a_pin_is_set_only_with_the_password_and_only_as_digits(world):
    manager = world.as_(Role.MANAGER)
    with pytest.raises(InvalidCredentials):
        await set_witness_pin(new_uow(), manager, SetWitnessPin("wrong-password", "4821"))
    for bad in ["12", "123456789", "12a4", ""]:
        with pytest.raises(ValidationError):
            await set_witness_pin(new_uow(), manager, SetWitnessPin(PASSWORD, bad))
    async with db.connection() as conn:
        assert (
            await conn.fetchval("SELECT pin_hash FROM app_user WHERE id = $1", manager.user_id)
            is None
        )
