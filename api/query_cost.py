"""A query-cost limit: what a document would make us fetch, estimated before it runs.

Depth and alias limits bound a document's shape but not its fan-out: ``packages(first: 100)``
holding ``movements(first: 100)`` asks for ten thousand rows in a few lines. Each field costs 1;
a field with a ``first:`` or ``limit:`` argument multiplies the cost of its selection by that
number (its default when absent, the largest page when it is a variable, since validation runs
once per document whatever the variables). Refused in validation, so nothing executes.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
)

MAX_COST = 20000


def configure(*, max_cost: int) -> None:
    """Set the limit (api.bootstrap, from ``Settings.max_query_cost``)."""
    global MAX_COST
    MAX_COST = max_cost


# A variable's value is unknown at validation: assume the largest page the readers serve.
VARIABLE_PAGE = 100
_SIZE_ARGUMENTS = ("first", "limit")
# Beyond this a document is refused anyway; stops the arithmetic growing without bound.
_CEILING = 10**12


def _multiplier(node: FieldNode, field_def: Any) -> int:
    given = {arg.name.value: arg.value for arg in node.arguments or ()}
    for name in _SIZE_ARGUMENTS:
        if name in given:
            value = given[name]
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), _CEILING))
            if isinstance(value, VariableNode):
                return VARIABLE_PAGE
            return 1
        argument = field_def.args.get(name) if field_def is not None else None
        if argument is not None and isinstance(argument.default_value, int):
            return max(1, argument.default_value)
    return 1


class _Estimator:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], schema: Any) -> None:
        self.fragments = fragments
        self.schema = schema

    def cost(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType | None, seen: frozenset
    ) -> int:
        if selections is None:
            return 0
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                fields = getattr(parent, "fields", None) or {}
                field_def = fields.get(selection.name.value)
                child = get_named_type(field_def.type) if field_def is not None else None
                inner = self.cost(selection.selection_set, child, seen)
                total += 1 + _multiplier(selection, field_def) * inner
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.cost(selection.selection_set, target, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                # A cycle is another rule's error; do not loop on it.
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, target, seen | {name})
            if total > _CEILING:
                return total
        return total


def estimate(operation: OperationDefinitionNode, document: Any, schema: Any) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    return _Estimator(fragments, schema).cost(operation.selection_set, root, frozenset())


class QueryCostRule(ValidationRule):
    """Refuses an operation whose estimated cost is over ``MAX_COST``."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        cost = estimate(node, self.context.document, self.context.schema)
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"this query would cost about {cost} (limit {MAX_COST}): ask for fewer items"
                    " with first:/limit:, or nest fewer lists",
                    node,
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": MAX_COST},
                )
            )
