"""Authorization matrix entry for repackaging (registered by authz_cases.py)."""

from __future__ import annotations

from domain.organisation.model import ZoneKind
from tests.api.authz_cases import VAULT_STAFF, Case, Places, _by_input, fresh_tag


async def _repackage(places: Places, loc, role):
    tag, _ = await places.package(loc, ZoneKind.VAULT, qty=4)
    vault = str(places.zone(loc, ZoneKind.VAULT))
    return {
        "locationId": str(loc),
        "inputs": [{"tag": tag, "zoneId": vault, "quantity": "4"}],
        "outputs": [
            {
                "tag": fresh_tag(),
                "productId": str(places.world.product_id),
                "zoneId": vault,
                "quantity": "3.5",
            }
        ],
        "packagingLoss": "0.5",
    }


CASES: dict[str, Case] = {
    "repackage": _by_input("repackage", "RepackageInput", _repackage, VAULT_STAFF),
}
