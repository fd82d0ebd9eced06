"""Every list a caller sends is bounded by the schema, before any resolver or coercion runs.

The services check their own limits (a sale has at most 100 lines), but only after GraphQL has
coerced every item of the list on the event loop: 100,000 sale lines took seconds, stalling
every request of the process. Here a list literal in the query is refused during validation, and
a list in the variables is counted before graphql-core coerces anything. Each list input has a
maximum (``LIMITS`` by schema coordinate, else ``DEFAULT_MAX_ITEMS``); the domain's own limits
still apply and are never looser than these.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLSchema,
    ListValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_input_object_type,
    is_list_type,
    type_from_ast,
    visit,
)
from graphql.validation import ValidationContext, ValidationRule

from domain.sales.sales import MAX_LINES

DEFAULT_MAX_ITEMS = 100

# Lists that may legitimately hold more (or must hold fewer) items than the default, by
# coordinate: ``InputType.field`` for input fields, ``Type.field(argument)`` for arguments.
LIMITS: dict[str, int] = {
    "RecordSaleInput.lines": MAX_LINES,
    "ReturnSaleInput.lines": MAX_LINES,
    "CreateReservationInput.lines": 100,
    "FulfilReservationInput.prices": 100,
    "CreateShipmentInput.packages": 5000,
    "CreateUserInput.grants": 1000,
    "RecordAccessEventsInput.events": 500,
}


def limit(coordinate: str | None) -> int:
    return LIMITS.get(coordinate or "", DEFAULT_MAX_ITEMS)


def _too_many(coordinate: str | None, node: Any) -> GraphQLError:
    return GraphQLError(
        f"{coordinate or 'a list'} takes at most {limit(coordinate)} items",
        node,
        extensions={"code": "BAD_USER_INPUT"},
    )


class ListSizeRule(ValidationRule):
    """Refuses list literals over their maximum, and notes where each variable is used (so a
    list passed as a variable gets the maximum of the position it fills)."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fields: list[str] = []
        self._owners: list[str | None] = []
        self.variable_limits: dict[str, int] = {}

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self._fields.append(node.name.value)

    def leave_field(self, *_: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
        parent = self.context.get_parent_type()
        owner = None
        if self.context.get_directive() is None and parent is not None and self._fields:
            owner = f"{parent.name}.{self._fields[-1]}({node.name.value})"
        self._owners.append(owner)

    def leave_argument(self, *_: Any) -> None:
        self._owners.pop()

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        parent = get_named_type(self.context.get_parent_input_type())
        self._owners.append(f"{parent.name}.{node.name.value}" if parent is not None else None)

    def leave_object_field(self, *_: Any) -> None:
        self._owners.pop()

    def enter_list_value(self, node: ListValueNode, *_: Any) -> None:
        owner = self._owners[-1] if self._owners else None
        if len(node.values) > limit(owner):
            self.report_error(_too_many(owner, node))

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if self._owners:  # a use, not the declaration ``($name: Type)``
            name = node.name.value
            cap = limit(self._owners[-1])
            self.variable_limits[name] = min(cap, self.variable_limits.get(name, cap))


_Plan = tuple[tuple[str, GraphQLInputType, int], ...]
# By the operation node's identity (ParserCache hands out the same document for the same text):
# AST nodes hash and compare by walking the whole tree.
_plans: dict[int, tuple[OperationDefinitionNode, _Plan]] = {}
_PLANS_MAX = 512


def _variable_plan(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> _Plan:
    cached = _plans.get(id(operation))
    if cached is not None and cached[0] is operation:
        return cached[1]
    plan = _build_plan(schema, document, operation)
    if len(_plans) >= _PLANS_MAX:
        _plans.clear()
    _plans[id(operation)] = (operation, plan)
    return plan


def _build_plan(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> _Plan:
    """Per variable that can hold a list: its declared type and the maximum of its uses."""
    type_info = TypeInfo(schema)
    rule = ListSizeRule(ValidationContext(schema, document, type_info, lambda _: None))
    visit(document, TypeInfoVisitor(type_info, rule))
    plan = []
    for definition in operation.variable_definitions or ():
        declared = type_from_ast(schema, definition.type)
        if declared is not None and _may_hold_list(declared):
            name = definition.variable.name.value
            plan.append((name, declared, rule.variable_limits.get(name, DEFAULT_MAX_ITEMS)))
    return tuple(plan)


def _may_hold_list(type_: Any, seen: frozenset[str] = frozenset()) -> bool:
    type_ = get_nullable_type(type_)
    if is_list_type(type_):
        return True
    if is_input_object_type(type_) and type_.name not in seen:
        inner = seen | {type_.name}
        return any(_may_hold_list(f.type, inner) for f in type_.fields.values())
    return False


def _oversized(value: Any, type_: Any, label: str, cap: int) -> tuple[str, int] | None:
    """The first list in ``value`` longer than its maximum, as (what it is, its maximum)."""
    type_ = get_nullable_type(type_)
    if is_list_type(type_):
        if not isinstance(value, list):  # one item where a list is expected
            return _oversized(value, type_.of_type, label, cap)
        if len(value) > cap:
            return label, cap
        for item in value:
            if found := _oversized(item, type_.of_type, label, cap):
                return found
    elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        for key, item in value.items():
            field = type_.fields.get(key)
            if field is not None:
                coordinate = f"{type_.name}.{key}"
                if found := _oversized(item, field.type, coordinate, limit(coordinate)):
                    return found
    return None


def variables_over_limit(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> GraphQLError | None:
    """A refusal when a list in ``variables`` is over its maximum; counted, never coerced."""
    if not variables or not operation.variable_definitions:
        return None
    for name, declared, cap in _variable_plan(schema, document, operation):
        if name in variables and (found := _oversized(variables[name], declared, f"${name}", cap)):
            label, maximum = found
            return GraphQLError(
                f"{label} takes at most {maximum} items", extensions={"code": "BAD_USER_INPUT"}
            )
    return None
