"""Fuzzing every query and mutation from the schema: bad input never becomes a server error.

Schemathesis generates arbitrary (schema-valid) documents and arguments for each root field; a
running API must answer each with data or a clear error, never a 5xx or a masked crash.
"""

from __future__ import annotations

import os

import graphql
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.roles import Role
from tests.support.processes import api_processes

MASKED = "Unexpected error."


def _string_nodes(values: st.SearchStrategy[str]) -> st.SearchStrategy[graphql.ValueNode]:
    return values.map(lambda text: graphql.StringValueNode(value=text))


# Our custom scalars: real values and garbage alike (NaN, huge, over-precise, not a number).
schemathesis.graphql.scalar(
    "Decimal",
    _string_nodes(
        st.one_of(
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.sampled_from(["0", "-1", "1e400", "0.0001", "3.5"]),
            st.text(max_size=8),
        )
    ),
)
schemathesis.graphql.scalar(
    "Date", _string_nodes(st.one_of(st.dates().map(str), st.text(max_size=12)))
)
schemathesis.graphql.scalar(
    "DateTime", _string_nodes(st.one_of(st.datetimes().map(str), st.text(max_size=12)))
)


# Signing out everywhere would void the fuzzing user's token and leave the rest of the run
# anonymous; it is tested in tests/api/test_sessions.py.
SKIPPED = {"Mutation.logoutEverywhere"}


def test_no_generated_query_or_mutation_crashes_the_api(world):
    """Both an admin (everything allowed) and a budtender (most things refused) fuzz every
    operation; ``LEAFLEDGER_FUZZ_EXAMPLES`` cases per operation in all, half for each."""
    per_operation = int(os.environ.get("LEAFLEDGER_FUZZ_EXAMPLES", "6"))
    with api_processes(1) as (api,):
        schema = schemathesis.graphql.from_url(f"{api.http}/graphql")
        operations = [
            op
            for op in (result.ok() for result in schema.get_all_operations())
            if op.label not in SKIPPED
        ]
        assert len(operations) > 20
        crashes: list[str] = []
        cases: dict[Role, int] = {}

        def fuzz(role: Role) -> None:
            token = world.ca.token(role)
            cases[role] = 0

            @settings(
                max_examples=max(1, len(operations) * per_operation // 2),
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(data=st.data())
            def run(data: st.DataObject) -> None:
                operation = data.draw(st.sampled_from(operations))
                case = data.draw(operation.as_strategy())
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                cases[role] += 1
                body = response.json() if response.content else {}
                if response.status_code >= 500 or MASKED in str(body.get("errors")):
                    crashes.append(f"{role} {operation.label}: {response.status_code} {body}")

            run()

        fuzz(Role.ADMIN)
        fuzz(Role.BUDTENDER)
    assert crashes == []
    # Hypothesis may stop short of max_examples; both users must still have had a real share.
    assert all(count >= len(operations) * per_operation // 4 for count in cases.values()), cases
