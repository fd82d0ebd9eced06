"""Every role × every analytics query, at the store the caller is granted at and at a sibling
store of the same operator it is not: managers, auditors and admins read their own store's
analytics; nobody reads a store they hold no grant at."""

from __future__ import annotations

from domain.roles import Role
from tests.analytics.seed import days_ago, today
from tests.support.second_store import open_second_store

READERS = frozenset({Role.MANAGER, Role.AUDITOR, Role.ADMIN})
PERIOD = "from: $from, to: $to"
QUERIES = {
    "salesMargins": f"salesMargins(locationIds: $locs, {PERIOD})",
    "inventoryTurnover": f"inventoryTurnover(locationIds: $locs, {PERIOD})",
    "sellThrough": f"sellThrough(locationIds: $locs, {PERIOD})",
    "shrinkageRate": f"shrinkageRate(locationIds: $locs, {PERIOD})",
    "stockAging": "stockAging(locationIds: $locs)",
    "expiringStock": "expiringStock(locationIds: $locs)",
    "stockAcrossLocations": "stockAcrossLocations(locationIds: $locs, productId: $product)",
}


def document(name: str) -> tuple[str, set[str]]:
    """The query, and the variables it declares (GraphQL refuses unused ones)."""
    call = QUERIES[name]
    declared = {"locs": "[ID!]", "from": "Date!", "to": "Date!", "product": "ID!"}
    used = {k for k in declared if f"${k}" in call}
    head = ", ".join(f"${k}: {declared[k]}" for k in declared if k in used)
    return f"query({head}) {{ {call} {{ __typename ... on UserError {{ message }} }} }}", used


async def test_each_role_reads_exactly_the_analytics_its_grant_allows(api, world):
    oakland = await open_second_store(world)
    wrong = []
    for name in QUERIES:
        for role in Role:
            for loc in (oakland.location_id, world.ca.location_id):
                variables = {
                    "locs": [str(loc)],
                    "from": days_ago(30).isoformat(),
                    "to": today().isoformat(),
                    "product": str(world.product_id),
                }
                query, used = document(name)
                chosen = {k: v for k, v in variables.items() if k in used}
                result = await api(query, chosen, token=oakland.token(role))
                assert "errors" not in result, result
                got = result["data"][name]["__typename"]
                allowed = loc == oakland.location_id and role in READERS
                if allowed == (got in ("LocationsNotGranted", "PermissionDenied")):
                    wrong.append(f"{name} as {role} at {loc}: {got}")
                if not allowed and got != "LocationsNotGranted":
                    wrong.append(f"{name} as {role} at {loc}: {got}, not LocationsNotGranted")
    assert not wrong, "\n".join(wrong)
