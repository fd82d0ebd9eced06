"""The query-cost estimate: what a document would fetch, however it is written (no I/O)."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse, validate

from api.query_cost import QueryCostRule, estimate
from api.schema import schema

GRAPHQL = schema._schema


def _cost(text: str) -> int:
    document = parse(text)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return estimate(operation, document, GRAPHQL)


def test_a_list_without_first_costs_its_default_page():
    # products defaults to first: 50; edges, node and id cost 1 each per item.
    assert _cost("{ products { edges { node { id } } } }") == 1 + 50 * 3


def test_fragments_cost_what_the_fields_they_spread_cost():
    inline = "{ products(first: 7) { edges { node { id name } } } }"
    spread = """{ products(first: 7) { edges { node { ...P } } } }
                fragment P on Product { id name }"""
    typed = "{ products(first: 7) { edges { node { ... on Product { id name } } } } }"
    assert _cost(inline) == _cost(spread) == _cost(typed) == 1 + 7 * 4


def test_a_fragment_cycle_is_left_to_validation_and_does_not_hang():
    text = """{ products { edges { node { ...A } } } }
              fragment A on Product { id ...B } fragment B on Product { name ...A }"""
    assert _cost(text) > 0


def test_nested_pages_multiply_and_are_refused_with_the_cost_named():
    text = """{ packages(locationId: "1", first: 100) { edges { node { tag
                movements(first: 100) { edges { node { id } } } } } } }"""
    # movements: 1 + 100 * 3; node: 1 + tag + movements; edges: 1 + node; packages: 1 + 100 * edges
    assert _cost(text) == 1 + 100 * (1 + (1 + 1 + (1 + 100 * 3)))
    errors = validate(GRAPHQL, parse(text), [QueryCostRule])
    assert [e.extensions["code"] for e in errors] == ["QUERY_TOO_COSTLY"]
    assert errors[0].extensions["cost"] == 30401
