"""Authorization matrix entries for waste and destruction (registered by authz_cases.py)."""

from __future__ import annotations

from decimal import Decimal

from domain.destruction import services
from domain.organisation.model import ZoneKind
from tests.api.authz_cases import (
    LOCATION_ADMINS,
    VAULT_STAFF,
    Case,
    Places,
    _by_input,
)
from tests.support.units import new_uow


async def _schedule(places: Places, loc, role):
    tag, _ = await places.package(loc)
    return {
        "locationId": str(loc),
        "tag": tag,
        "zoneId": str(places.zone(loc, ZoneKind.SALES_FLOOR)),
        "quantity": "1",
        "reason": "EXPIRED",
    }


async def _carry_out(places: Places, loc, role):
    tag, _ = await places.package(loc)
    scheduled = await services.schedule_destruction(
        new_uow(),
        places.admin(loc),
        services.ScheduleDestruction(
            location_id=loc,
            tag=tag,
            zone_id=places.zone(loc, ZoneKind.SALES_FLOOR),
            quantity=Decimal(1),
        ),
    )
    # No witness: an allowed caller is refused with WitnessRequired, never PermissionDenied.
    return {
        "locationId": str(loc),
        "destructionId": str(scheduled.value.destruction_id),
        "method": "Grinder",
        "witnesses": [],
    }


async def _policy(places: Places, loc, role):
    return {"locationId": str(loc), "holdMinutes": 60}


CASES: dict[str, Case] = {
    "scheduleDestruction": _by_input(
        "scheduleDestruction", "ScheduleDestructionInput", _schedule, VAULT_STAFF
    ),
    "carryOutDestruction": _by_input(
        "carryOutDestruction", "CarryOutDestructionInput", _carry_out, VAULT_STAFF
    ),
    "setWastePolicy": _by_input("setWastePolicy", "SetWastePolicyInput", _policy, LOCATION_ADMINS),
}
