"""The plumbing that turns a service call into a mutation result.

A mutation resolver states only what differs: ``mutate(info, service, command, present)`` asks for
the caller, builds the command, runs the service and presents its outcome, or answers a refusal
as a member of the field's own result union (the types in ``api/errors.py``).
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar

from strawberry.types.union import StrawberryUnion

from api.errors import to_graphql, validation_error
from api.metrics import MUTATION_OUTCOMES
from domain import errors as domain_errors
from domain.counts import blind

if TYPE_CHECKING:
    from api.context import Info
    from domain.identity.principal import Principal
    from domain.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

C = TypeVar("C")
O = TypeVar("O")  # noqa: E741
P = TypeVar("P")

# The union member a refusal became. Which one is decided at run time (and checked against the
# mutation's result union there), so statically it is assignable to any result union.
Refusal: TypeAlias = Any


def _members(allowed: Any) -> tuple[type, ...]:
    """The types of a result union (strawberry's, an ``Annotated`` one, a plain one or a tuple)."""
    if isinstance(allowed, StrawberryUnion):
        return tuple(t for t in allowed.types if isinstance(t, type))
    if isinstance(allowed, tuple):
        return allowed
    if typing.get_origin(allowed) is Annotated:
        allowed = typing.get_args(allowed)[0]
    return tuple(typing.get_args(allowed)) or (allowed,)


def refusal(exc: domain_errors.DomainError, allowed: Any) -> Refusal:
    """``exc`` as a member of the result union ``allowed``; a refusal whose type the union lacks
    becomes a ValidationError rather than a server error."""
    error = to_graphql(exc)
    if type(error) not in _members(allowed):
        log.warning("%s is not in the result union; sent as ValidationError", type(error))
        error = validation_error(exc.message)
    return error


async def _shown(present: Callable[[O], Awaitable[P] | P], outcome: O) -> P:
    shown = present(outcome)
    if isinstance(shown, Awaitable):
        return await shown
    return shown


async def attempt(
    call: Callable[[], Awaitable[O]],
    present: Callable[[O], Awaitable[P] | P],
    allowed: Any,
) -> P | Refusal:
    """Run a service call; present its outcome, or return its refusal as a member of the result
    union ``allowed``. For the few mutations open to anonymous callers (sign-in, refresh)."""
    try:
        outcome = await call()
    except domain_errors.DomainError as exc:
        return refusal(exc, allowed)
    return await _shown(present, outcome)


async def mutate(
    info: Info,
    service: Callable[[UnitOfWork, Principal, C], Awaitable[O]],
    command: Callable[[], C],
    present: Callable[[O], Awaitable[P] | P],
) -> P | Refusal:
    """A signed-in caller's mutation: the caller, then the command built from the input (a bad id
    is a NotFound), then the service, handed a new unit of work; its outcome presented, or its
    refusal as a member of the field's result union. Each resolver states only the command, the
    service and the payload."""
    try:
        principal = await info.context.require_principal()
        outcome = await service(info.context.uow(), principal, command())
    except domain_errors.DomainError as exc:
        if blind.names_quantities(exc):
            # Someone counting this stock blind must not learn its quantity from a refusal.
            exc = blind.refusal_for(exc, await info.context.blind_scope())
        refused = refusal(exc, info.return_type)
        MUTATION_OUTCOMES.labels(info.field_name, type(refused).__name__).inc()
        return refused
    shown = await _shown(present, outcome)
    MUTATION_OUTCOMES.labels(info.field_name, type(shown).__name__).inc()
    return shown
