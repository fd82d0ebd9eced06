"""Service levels per category: how often a store accepts running out, category by category.

A manager trades stock for availability: 95 % means about one replenishment cycle in twenty may
run out before the delivery. Flower that brings customers in may deserve 98 %; slow topicals 90 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from domain import service
from domain.catalog.model import Category
from domain.changelog import record as changelog
from domain.errors import NotFound, ValidationError
from domain.identity.principal import Principal
from domain.numbers import DecimalRefused, parse_decimal
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

DEFAULT_SERVICE_LEVEL = Decimal("0.95")
LOWEST, HIGHEST = Decimal("0.5"), Decimal("0.999")


@dataclass(frozen=True)
class SetOrderingPolicy:
    location_id: int
    category: str
    service_level: Decimal
    idempotency_key: str | None = None


@dataclass(frozen=True)
class OrderingPolicySet:
    location_id: int
    category: str
    service_level: str  # a Decimal, kept as text so a replay rebuilds it exactly


def _level(value: Decimal) -> Decimal:
    try:
        level = parse_decimal(value, places=4)
    except DecimalRefused as exc:
        raise ValidationError("serviceLevel", str(exc)) from None
    if not LOWEST <= level <= HIGHEST:
        raise ValidationError("serviceLevel", f"between {LOWEST} and {HIGHEST}")
    return level


async def set_ordering_policy(
    uow: UnitOfWork, principal: Principal, cmd: SetOrderingPolicy
) -> service.Outcome:
    """Set the service level a category's reorder suggestions aim for at a location; the next
    suggestions use it (nothing already ordered changes)."""
    principal.require(Capability.SET_ORDERING_POLICY, cmd.location_id)
    try:
        category = Category(cmd.category)
    except ValueError:
        raise ValidationError("category", "not a product category") from None
    level = _level(cmd.service_level)

    async def work(uow: UnitOfWork) -> OrderingPolicySet:
        found = await uow.conn.fetchval("SELECT 1 FROM location WHERE id = $1", cmd.location_id)
        if found is None:
            raise NotFound("location", str(cmd.location_id))
        was = await uow.conn.fetchval(
            "SELECT service_level FROM ordering_policy WHERE location = $1 AND category = $2"
            " FOR UPDATE",
            cmd.location_id,
            str(category),
        )
        await uow.conn.execute(
            "INSERT INTO ordering_policy (location, category, service_level, updated_at)"
            " VALUES ($1, $2, $3, now()) ON CONFLICT (location, category)"
            " DO UPDATE SET service_level = EXCLUDED.service_level, updated_at = now()",
            cmd.location_id,
            str(category),
            level,
        )
        # None before: the category had the default level (``DEFAULT_SERVICE_LEVEL``).
        await changelog.change(
            uow,
            principal,
            "setOrderingPolicy",
            "ordering policy",
            str(category),
            location_id=cmd.location_id,
            before={"service_level": was},
            after={"service_level": level},
        )
        return OrderingPolicySet(cmd.location_id, str(category), str(level))

    return await service.run(uow, principal, "setOrderingPolicy", cmd, work, OrderingPolicySet)


async def levels(conn: asyncpg.Connection, location_id: int) -> dict[Category, Decimal]:
    """Every category's service level at the location (the default where none is set)."""
    rows = await conn.fetch(
        "SELECT category, service_level FROM ordering_policy WHERE location = $1", location_id
    )
    chosen = {Category(r["category"]): r["service_level"] for r in rows}
    return {c: chosen.get(c, DEFAULT_SERVICE_LEVEL) for c in Category}
