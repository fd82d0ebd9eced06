"""Changing what the floor display shows (a manager's choice per location)."""

from __future__ import annotations

from dataclasses import dataclass

from domain import service
from domain.changelog import record as changelog
from domain.display.model import ExpiringMode, settings_refusal
from domain.errors import ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

_LOGGED = ("expiring_days", "expiring_mode")


@dataclass(frozen=True)
class SetFloorDisplay:
    location_id: int
    expiring_days: int | None = None
    expiring_mode: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FloorDisplaySet:
    location_id: int


async def set_floor_display(
    uow: UnitOfWork, principal: Principal, cmd: SetFloorDisplay
) -> service.Outcome:
    """Whether stock near its expiry is flagged or hidden on the customer-facing display, and
    how near is near: some stores discount it openly, others keep it off the screen."""
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    if (refusal := settings_refusal(cmd.expiring_days, cmd.expiring_mode)) is not None:
        raise ValidationError(*refusal)

    async def work(uow: UnitOfWork) -> FloorDisplaySet:
        before = await changelog.fields(
            uow.conn, "floor_display_setting", cmd.location_id, _LOGGED, key="location", lock=True
        )
        after = await uow.conn.fetchrow(
            "INSERT INTO floor_display_setting (location, expiring_days, expiring_mode, updated_at)"
            " VALUES ($1, coalesce($2, 14), coalesce($3, 'flag'), now())"
            " ON CONFLICT (location) DO UPDATE SET"
            " expiring_days = coalesce($2, floor_display_setting.expiring_days),"
            " expiring_mode = coalesce($3, floor_display_setting.expiring_mode),"
            " updated_at = now() RETURNING expiring_days, expiring_mode",
            cmd.location_id,
            cmd.expiring_days,
            str(ExpiringMode(cmd.expiring_mode)) if cmd.expiring_mode is not None else None,
        )
        await changelog.change(
            uow,
            principal,
            "setFloorDisplay",
            "floor display",
            cmd.location_id,
            location_id=cmd.location_id,
            before=before,
            after=dict(after) if after is not None else None,
        )
        return FloorDisplaySet(cmd.location_id)

    return await service.run(uow, principal, "setFloorDisplay", cmd, work, FloorDisplaySet)
