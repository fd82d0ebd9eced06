"""A second person vouching for an action (a count, a destruction) with their OWN credentials.

Why a service of its own: a witness id typed in by the actor proves nothing. Here the witness
types their e-mail and their secret on the actor's device and the server checks them, so the
witness recorded on a line or a movement really was there.

The secret is the witness's handheld PIN when they have set one (``set_witness_pin``: 4 to 8
digits, quicker to type on a scanner than a password), and otherwise their password. A user
with a PIN cannot witness with the password, so a stolen PIN is the only thing to guard and a
shoulder-surfed password is useless at the scanner. Guesses go through the login throttle
(``throttle``), counted per e-mail in the same counters as sign-ins: five wrong PINs lock the
account's sign-in as well, so a PIN cannot be brute-forced through this door while the password
door stays open, nor the other way round.

Every failure of the witness's credentials (unknown e-mail, wrong secret, inactive user, no
role at the location) is answered alike (``WitnessNotAccepted``), and an unknown e-mail costs a
hash like a known one, so the form reveals nothing about which accounts exist.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from domain import db, service
from domain.changelog import record as changelog
from domain.errors import (
    InvalidCredentials,
    TooManyLoginAttempts,
    ValidationError,
    WitnessIsActor,
    WitnessLocked,
    WitnessNotAccepted,
)
from domain.identity import throttle
from domain.identity.passwords import dummy_hash, hash_password, verify_password
from domain.identity.principal import Principal
from domain.roles import Capability, allows
from domain.unit_of_work import UnitOfWork

PIN = re.compile(r"^[0-9]{4,8}$")


@dataclass(frozen=True)
class WitnessCredentials:
    email: str
    # The witness's PIN if they have set one, else their password.
    secret: str


async def verify_witness(
    actor_id: int,
    location_id: int,
    credentials: WitnessCredentials,
    *,
    capability: Capability | None = None,
    client_address: str | None = None,
) -> int:
    """The witness's user id once their own credentials check out at ``location_id``.

    Raises WitnessIsActor (the actor cannot witness themselves), WitnessNotAccepted (wrong
    e-mail or secret, inactive, no role here, or a role lacking ``capability``) or
    WitnessLocked (too many wrong secrets for that e-mail or from that address).

    Called outside the caller's transaction on purpose: the attempt must count even when the
    caller's transaction rolls back, and the deliberately slow hash should hold no locks.
    """
    email = credentials.email.strip().lower()
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT u.id, u.password_hash, u.pin_hash, u.active, g.role"
            ' FROM app_user u LEFT JOIN location_grant g ON g."user" = u.id AND g.location = $2'
            " WHERE u.email = $1",
            email,
            location_id,
        )
    if row is not None and row["id"] == actor_id:
        raise WitnessIsActor()
    try:
        attempt = await throttle.begin(email, client_address)
    except TooManyLoginAttempts as locked:
        raise WitnessLocked(locked.retry_after_seconds) from None
    stored = (row["pin_hash"] or row["password_hash"]) if row else dummy_hash()
    ok = await asyncio.to_thread(verify_password, stored, credentials.secret)
    acceptable = (
        row is not None
        and ok
        and row["active"]
        and row["role"] is not None
        and (capability is None or allows(row["role"], capability))
    )
    if not acceptable or row is None:
        # A right secret from someone with no role here still counts as a failure: otherwise
        # the answer would tell a guesser their secret was right.
        await attempt.failed()
        raise WitnessNotAccepted()
    await attempt.succeeded()
    return int(row["id"])


@dataclass(frozen=True)
class SetWitnessPin:
    """Set (or, with ``pin`` None, remove) the caller's own witness PIN, re-proving who they
    are with their password."""

    password: str
    pin: str | None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class PinSaved:
    user_id: int
    has_pin: bool


async def set_witness_pin(
    uow: UnitOfWork, principal: Principal, cmd: SetWitnessPin
) -> service.Outcome:
    """A user sets the PIN they witness with on a handheld (their own only: a PIN someone else
    chose would prove nothing about who was present)."""
    if principal.scopes is not None:
        raise ValidationError("apiKey", "an API key has no PIN; sign in as the person")
    if cmd.pin is not None and not PIN.match(cmd.pin):
        raise ValidationError("pin", "must be 4 to 8 digits")
    try:
        attempt = await throttle.begin(principal.email, None)
    except TooManyLoginAttempts as locked:
        raise WitnessLocked(locked.retry_after_seconds) from None
    async with db.connection() as conn:
        stored = await conn.fetchval(
            "SELECT password_hash FROM app_user WHERE id = $1", principal.user_id
        )
    if not await asyncio.to_thread(verify_password, stored or dummy_hash(), cmd.password):
        await attempt.failed()
        raise InvalidCredentials("password is wrong")
    await attempt.succeeded()
    pin_hash = await asyncio.to_thread(hash_password, cmd.pin) if cmd.pin is not None else None

    async def work(uow: UnitOfWork) -> PinSaved:
        await uow.conn.execute(
            "UPDATE app_user SET pin_hash = $2 WHERE id = $1", principal.user_id, pin_hash
        )
        # Whether a PIN is set, never the PIN nor its hash.
        await changelog.change(
            uow,
            principal,
            "setWitnessPin",
            "user",
            principal.user_id,
            location_id=None,
            after={"has_pin": cmd.pin is not None},
        )
        return PinSaved(principal.user_id, cmd.pin is not None)

    # Neither secret is stored with the idempotency key; whether a PIN is set is what a replay
    # must repeat.
    request = SetWitnessPin("", "set" if cmd.pin is not None else None, cmd.idempotency_key)
    return await service.run(uow, principal, "setWitnessPin", request, work, PinSaved)
