"""The audit queries in the authorization matrix's terms: every role at a store it is granted at,
and at a sibling store of the same operator it is not (a query answers FORBIDDEN, or NOT_FOUND
for a tag it would not reveal). The mutation matrix (test_authorization_matrix.py) covers
mutations only; these are the read side of issue 14."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.audit.verification import verify_location
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.second_store import open_second_store
from tests.support.units import new_uow
from tests.support.world import TAG, add_package

EVERYONE = frozenset(Role)
# The roles that read diversion flags and shrinkage read the ledger's verification.
VERIFIERS = frozenset({Role.MANAGER, Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN})

QUERIES = {
    "ledgerVerification": (
        "query($loc: ID!) { ledgerVerification(locationId: $loc) { status } }",
        VERIFIERS,
        "FORBIDDEN",
    ),
    "stockAsOf": (
        "query($loc: ID!, $at: DateTime!) { stockAsOf(locationId: $loc, at: $at) { costValue } }",
        EVERYONE,
        "FORBIDDEN",
    ),
    "packageHistory": (
        "query($tag: String!) { packageHistory(tag: $tag) { rollUp { closes } } }",
        EVERYONE,
        "NOT_FOUND",
    ),
}


async def test_each_role_reads_exactly_what_its_grant_allows(api, world):
    """Callers are the second store's staff (granted only there); the first store is theirs
    to be refused at."""
    oakland = await open_second_store(world)
    oakland_tag = "1A4FF0100000022000000777"
    await add_package(
        oakland.users[Role.ADMIN],
        oakland.location_id,
        oakland_tag,
        world.product_id,
        world.batch_id,
        {oakland.zone(ZoneKind.VAULT): Decimal(3)},
    )
    for loc in (world.ca.location_id, oakland.location_id):
        await verify_location(new_uow(), loc, "cli")
    wrong: list[str] = []
    for name, (document, allowed, refusal) in QUERIES.items():
        for role in Role:
            for loc, tag, granted in (
                (oakland.location_id, oakland_tag, True),
                (world.ca.location_id, TAG, False),
            ):
                variables = {"loc": str(loc), "at": datetime.now(UTC).isoformat(), "tag": tag}
                result = await api(document, variables, token=oakland.token(role))
                expected = "allowed" if granted and role in allowed else refusal
                got = result["errors"][0]["extensions"]["code"] if "errors" in result else "allowed"
                if got != expected:
                    where = "granted" if granted else "not granted"
                    wrong.append(f"{name} as {role} ({where}): {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)
