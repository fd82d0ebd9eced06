"""The witnesses of one destruction, each checked by the shared witness service.

Each witness signs with their own e-mail and PIN (or password) through
``domain.identity.witness.verify_witness``: the server checks the credentials, guesses are
throttled, and the person destroying cannot witness themselves. The same person signing twice
counts once.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import ValidationError
from domain.identity.witness import WitnessCredentials, verify_witness

# What a witness types at the bench: their e-mail and their PIN or password.
Signoff = WitnessCredentials
MAX_WITNESSES = 5


async def authenticate(location_id: int, actor_id: int, signoffs: Sequence[Signoff]) -> list[int]:
    """The distinct user ids of the witnesses, in the order they signed."""
    if len(signoffs) > MAX_WITNESSES:
        raise ValidationError("witnesses", f"at most {MAX_WITNESSES} witnesses")
    ids: list[int] = []
    for signoff in signoffs:
        user_id = await verify_witness(actor_id, location_id, signoff)
        if user_id not in ids:
            ids.append(user_id)
    return ids
