"""Authorization matrix entries of the count plans (registered by authz_cases.py)."""

from __future__ import annotations

from tests.api.authz_cases import LOCATION_ADMINS, Case, _by_input


async def _set_count_policy(places, loc, role):
    return {"locationId": str(loc), "classBDays": 21, "sessionLimitHours": 8}


CASES: dict[str, Case] = {
    # The plan and the sessions' settings: managers and admins, like the location's settings.
    "setCountPolicy": _by_input(
        "setCountPolicy", "SetCountPolicyInput", _set_count_policy, LOCATION_ADMINS
    ),
}
