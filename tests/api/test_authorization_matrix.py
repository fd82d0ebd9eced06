"""Every role × every mutation, at a store the caller is granted at and at one they are not.

The callers are the second store's staff (one user per role, each granted only there); the
world's first store belongs to the same operator, so "not granted" is a sibling store, not a
stranger's. Allowed: the answer is anything but PermissionDenied. Denied: PermissionDenied (or
NotFound, for an entity addressed by id at a store the caller cannot see) and nothing written.

One world for the whole matrix: each call's inputs are prepared fresh by that store's admin.
"""

from __future__ import annotations

import pytest

from api.schema import schema
from domain import db
from domain.roles import Role
from tests.api.authz_cases import CASES, Case, Places
from tests.support.second_store import open_second_store

DENIED = "PermissionDenied"


def schema_mutations() -> set[str]:
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    return set(mutation_type.fields)


def test_every_mutation_of_the_schema_has_an_entry():
    mutations = schema_mutations()
    missing = sorted(mutations - set(CASES))
    assert not missing, f"add authorization matrix entries for: {', '.join(missing)}"


async def _fingerprint() -> dict[str, str]:
    """A digest of every table's rows: a denied call must leave all of them as they were."""
    async with db.connection() as conn:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'migration' ORDER BY tablename"
            )
        ]
        sql = " UNION ALL ".join(
            f"SELECT '{t}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))"
            f" AS digest FROM {t} x"
            for t in tables
        )
        return {r["t"]: r["digest"] for r in await conn.fetch(sql)}


def _expected(case: Case, role: Role, granted: bool) -> str:
    if role in (case.allowed if granted else case.elsewhere):
        return "allowed"
    return "NotFound" if case.hidden and not granted else DENIED


async def test_each_role_may_do_exactly_what_its_grant_allows(api, world):
    oakland = await open_second_store(world)
    places = Places(world, {world.ca.location_id: world.ca, oakland.location_id: oakland}, api)
    granted_at, other = oakland.location_id, world.ca.location_id

    calls: list[tuple[str, Case, Role, int]] = []
    # An entry for a mutation the schema does not have (yet) is not called. Queries answering
    # with a union (labels) have entries too, and are called the same way.
    mutations = schema_mutations() | set(schema._schema.query_type.fields)
    for name, case in CASES.items():
        if name not in mutations:
            continue
        for role in Role:
            calls.append((name, case, role, granted_at))
            if case.located:
                calls.append((name, case, role, other))
    calls.sort(key=lambda call: call[1].last)

    wrong: list[str] = []
    for name, case, role, location_id in calls:
        granted = location_id == granted_at
        expected = _expected(case, role, granted)
        document, variables = await case.prepare(places, location_id, role)
        before = await _fingerprint() if expected != "allowed" else None
        result = await api(document, variables, token=oakland.token(role))
        where = "granted" if granted else "not granted"
        if "errors" in result:
            wrong.append(f"{name} as {role} ({where}): errors {result['errors']}")
            continue
        answer = result["data"][name]
        got = answer["__typename"]
        if expected == "allowed":
            if got in (DENIED, "NotFound"):
                wrong.append(f"{name} as {role} ({where}): {got} {answer.get('message')}")
        elif got != expected:
            wrong.append(f"{name} as {role} ({where}): {got}, expected {expected}")
        elif await _fingerprint() != before:
            changed = [t for t, d in (await _fingerprint()).items() if before.get(t) != d]
            wrong.append(f"{name} as {role} ({where}): refused but wrote to {changed}")

    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_entry_allows_no_role_elsewhere_it_does_not_allow_at_home(name):
    case = CASES[name]
    assert case.elsewhere <= case.allowed
