"""The shape every mutating service shares: one unit of work, replayable by idempotency key."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import asyncpg

from domain import idempotency
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class Outcome(Generic[R]):
    """A service's result, and whether it is the stored result of an earlier identical request."""

    value: R
    replayed: bool = False


def request_of(command: Any) -> dict[str, Any]:
    """The request a key is bound to: the command without its key."""
    data = dataclasses.asdict(command)
    data.pop("idempotency_key", None)
    return data


async def run(
    uow: UnitOfWork,
    principal: Principal,
    operation: str,
    command: Any,
    work: Callable[[UnitOfWork], Awaitable[R]],
    result_type: type[R],
    *,
    scope: str | None = None,
    key: str | None = None,
) -> Outcome[R]:
    """Run ``work(uow)`` inside ``uow``, or return the first result of a replayed key.

    The key is claimed inside the same transaction as the work, so a replay and the work never
    both happen, and a refusal (which rolls the unit back) leaves the key unclaimed.

    ``result_type`` is a dataclass of JSON-native fields (ids, strings), so the stored response
    can be rebuilt exactly. Keys are per user unless ``scope``/``key`` say otherwise (a POS
    receipt is unique per register, whoever sends it).
    """
    key = key if key is not None else getattr(command, "idempotency_key", None)
    try:
        async with uow:
            claim = await idempotency.claim(
                scope or f"user:{principal.user_id}", key, operation, request_of(command)
            )
            if claim.replay is not None:
                return Outcome(result_type(**claim.replay), replayed=True)
            value = await work(uow)
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                await idempotency.complete(claim, dataclasses.asdict(value))
    except (asyncpg.DataError, asyncpg.NotNullViolationError) as exc:
        # A value the tables cannot hold (too long, out of range, an explicit null) that the
        # service's own checks let through. The unit of work rolled back, so nothing was written:
        # it is the caller's bad input, not a server error. Logged so the missing check gets added.
        log.warning("%s: %s reached the database: %s", operation, type(exc).__name__, exc)
        raise ValidationError(getattr(exc, "column_name", None) or "input", str(exc)) from None
    return Outcome(value)
