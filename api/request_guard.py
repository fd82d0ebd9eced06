"""Checks made after validation and before graphql-core coerces a single variable.

Coercing a large input costs the event loop real time, so a request that will be refused anyway
is refused first: an anonymous caller may only sign in, ask who they are (``me`` answers null)
and, where allowed, introspect; every list in the variables is counted against its maximum
(``api.list_limits``). Introspection is a setting (``LEAFLEDGER_INTROSPECTION``): ``public`` in
the demo, ``signed-in`` by default, ``off`` for nobody.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from api.list_limits import variables_over_limit

# Root fields an anonymous caller may use. A field added here must need no principal and be
# cheap to coerce (small, fixed arguments).
# refreshToken and logout take only the refresh token (api/auth/sessions.py).
ANONYMOUS_FIELDS = frozenset({"login", "refreshToken", "logout", "me", "__typename"})
INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> frozenset[str]:
    """The names of the operation's root fields, through fragments and inline fragments."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names: set[str] = set()
    seen: set[str] = set()

    def collect(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.add(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    collect(fragments[name].selection_set)

    collect(operation.selection_set)
    return frozenset(names)


def _refused(message: str, code: str) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


async def _check(
    context: Any,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    schema: Any,
) -> ExecutionResult | None:
    fields = root_fields(document, operation)
    mode = getattr(context, "introspection", "signed-in")
    introspecting = bool(fields & INTROSPECTION_FIELDS)
    if introspecting and mode == "off":
        return _refused("introspection is disabled", "FORBIDDEN")
    anonymous_ok = ANONYMOUS_FIELDS | (INTROSPECTION_FIELDS if mode == "public" else frozenset())
    if not fields <= anonymous_ok and await context.principal() is None:
        return _refused("sign in first", "UNAUTHENTICATED")
    if error := variables_over_limit(schema, document, operation, variables):
        return ExecutionResult(data=None, errors=[error])
    return None


class RequestGuard(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if ctx.result is None and document is not None:
            operation = get_operation_ast(document, ctx.operation_name)
            if operation is not None:
                refusal = await _check(
                    ctx.context, document, operation, ctx.variables, ctx.schema._schema
                )
                if refusal is not None:
                    ctx.result = refusal
        yield
