"""Authorization matrix entries for ordering (issue 15): managers choose the service level a
category's reorder suggestions aim for (inventory leads read the suggestions, see
tests/ordering/test_ordering_api.py)."""

from __future__ import annotations

from typing import Any

from tests.api.authz_cases import LOCATION_ADMINS, Case, Places, _by_input


async def _policy(places: Places, loc: int, role) -> dict[str, Any]:
    return {"locationId": str(loc), "category": "FLOWER", "serviceLevel": "0.97"}


CASES: dict[str, Case] = {
    "setOrderingPolicy": _by_input(
        "setOrderingPolicy", "SetOrderingPolicyInput", _policy, LOCATION_ADMINS
    ),
}
