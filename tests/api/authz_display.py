"""Authorization matrix entry for the floor display's settings (registered by authz_cases.py)."""

from __future__ import annotations

from tests.api.authz_cases import LOCATION_ADMINS, Case, _by_input


async def _set_floor_display(places, loc, role):
    return {"locationId": str(loc), "expiringDays": 7, "expiringMode": "HIDE"}


CASES: dict[str, Case] = {
    "setFloorDisplay": _by_input(
        "setFloorDisplay", "SetFloorDisplayInput", _set_floor_display, LOCATION_ADMINS
    ),
}
