"""The committed schema.graphql is what the code serves; query cost limits hold."""

from __future__ import annotations

from pathlib import Path

from api.schema import MAX_ALIASES, MAX_DEPTH, schema
from domain.roles import Role

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_schema_graphql_matches_the_code():
    committed = SCHEMA_FILE.read_text()
    live = schema.as_str() + "\n"
    assert committed == live, (
        "schema.graphql is stale: run `make schema` and mention the client-visible change"
    )


async def test_deeply_nested_queries_are_refused(api, world):
    nested = "zone { location { zones { location { zones { location { zones { id } } } } } } }"
    query = (
        "query($loc: ID!) { packages(locationId: $loc) { edges { node { balances { "
        + nested
        + " } } } } }"
    )
    result = await api(query, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.ADMIN))
    assert "exceeds maximum operation depth" in result["errors"][0]["message"]
    assert MAX_DEPTH == 10


async def test_alias_floods_are_refused(api, world):
    fields = " ".join(f"a{i}: me {{ id }}" for i in range(MAX_ALIASES + 1))
    result = await api(f"{{ {fields} }}", token=world.ca.token(Role.ADMIN))
    assert "aliases" in result["errors"][0]["message"].lower()
