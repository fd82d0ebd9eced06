"""Witnesses of a destruction sign with their own credentials, checked by the server.

The authenticated witness service belongs to the counts work (``domain.identity.witness``);
until it is on this branch this adapter checks a witness the way sign-in does (the same
throttle, so guesses are limited per e-mail, and the same password check) and that the person
holds a grant at the location. Destruction only calls ``authenticate``; swapping the body for
the shared service changes nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from domain import db
from domain.errors import InvalidCredentials, ValidationError
from domain.identity import throttle
from domain.identity.passwords import dummy_hash, verify_password
from domain.inventory import lookup


@dataclass(frozen=True)
class Signoff:
    """One witness's own e-mail and password, typed on the destroying person's device."""

    email: str
    password: str


async def authenticate(location_id: int, actor_id: int, signoffs: Sequence[Signoff]) -> list[int]:
    """The user ids of the witnesses, each authenticated, distinct and not the actor.

    A wrong password is refused (``InvalidCredentials``) rather than not counted: a person at
    the bench retypes it; a locked-out e-mail is refused by the throttle.
    """
    if len(signoffs) > 5:
        raise ValidationError("witnesses", "at most 5 witnesses")
    ids: list[int] = []
    for signoff in signoffs:
        email = signoff.email.strip().lower()
        attempt = await throttle.begin(email, None)
        async with db.connection() as conn:
            row = await conn.fetchrow(
                "SELECT id, password_hash, active FROM app_user WHERE email = $1", email
            )
        stored = row["password_hash"] if row else dummy_hash()
        ok = await asyncio.to_thread(verify_password, stored, signoff.password)
        if row is None or not ok or not row["active"]:
            await attempt.failed()
            raise InvalidCredentials(f"witness {email}: e-mail or password is wrong")
        await attempt.succeeded()
        if row["id"] == actor_id:
            raise ValidationError("witnesses", "a witness must be someone other than you")
        await lookup.witness(location_id, row["id"])
        if row["id"] not in ids:
            ids.append(row["id"])
    return ids
