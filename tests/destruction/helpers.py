"""Scheduling and carrying out destructions as a store does, for the destruction tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain import db
from domain.destruction import services
from domain.destruction.witnesses import Signoff
from domain.identity.principal import Principal
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import PASSWORD, Store

# The e-mail domains tests.support.world gives each store's staff.
CA, CO, NM = "greenleaf.test", "milehigh.test", "bloom.test"


def signoff(email_domain: str, role: Role, password: str = PASSWORD) -> Signoff:
    """A colleague's own sign-in, as typed at the bench."""
    return Signoff(f"{role.value}@{email_domain}", password)


async def schedule(
    store: Store,
    tag: str,
    quantity: str,
    *,
    zone: ZoneKind = ZoneKind.VAULT,
    by: Role = Role.INVENTORY_LEAD,
    **extra: Any,
) -> int:
    outcome = await services.schedule_destruction(
        new_uow(),
        store.users[by],
        services.ScheduleDestruction(
            location_id=store.location_id,
            tag=tag,
            zone_id=store.zone(zone),
            quantity=Decimal(quantity),
            **extra,
        ),
    )
    return outcome.value.destruction_id


async def carry_out(
    store: Store,
    destruction_id: int,
    witnesses: list[Signoff],
    *,
    by: Role = Role.INVENTORY_LEAD,
    method: str = "Grinder",
    **extra: Any,
) -> services.DestructionCarriedOut:
    principal: Principal = store.users[by]
    outcome = await services.carry_out_destruction(
        new_uow(),
        principal,
        services.CarryOutDestruction(
            location_id=store.location_id,
            destruction_id=destruction_id,
            method=method,
            witnesses=witnesses,
            **extra,
        ),
    )
    return outcome.value


async def movement_count(location_id: int) -> int:
    async with db.connection() as conn:
        return await conn.fetchval("SELECT count(*) FROM movement WHERE location = $1", location_id)


async def record(destruction_id: int) -> dict[str, Any]:
    async with db.connection() as conn:
        row = await conn.fetchrow("SELECT * FROM destruction WHERE id = $1", destruction_id)
    return dict(row)


async def set_policy(store: Store, **values: Any) -> None:
    await services.set_waste_policy(
        new_uow(),
        store.users[Role.MANAGER],
        services.SetWastePolicy(location_id=store.location_id, **values),
    )
