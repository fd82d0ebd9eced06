"""An API key may call only the root fields its scopes name (see ``domain.identity.api_keys``).

The capability checks in the services still apply; this second gate exists because two scopes can
need the same capability (recording a sale and creating a reservation both need SELL) yet a key
should get only the operations it was issued for.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from api.context import Context
from domain.identity import api_keys

log = logging.getLogger(__name__)


def _root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> set[str]:
    names: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            names |= _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                names |= _root_fields(fragments[name].selection_set, fragments, seen)
    return names


def root_fields(document: object, operation_name: str | None) -> set[str]:
    definitions = getattr(document, "definitions", ())
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    names: set[str] = set()
    for operation in chosen[:1] if operation_name is None and len(chosen) == 1 else chosen:
        names |= _root_fields(operation.selection_set, fragments, set())
    return names


class ApiKeyScopes(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context.context
        if isinstance(context, Context) and context.token:
            caller = await context.identify()
            if caller.api_key is not None:
                allowed = api_keys.fields_allowed(caller.api_key.scopes)
                asked = root_fields(
                    self.execution_context.graphql_document, self.execution_context.operation_name
                )
                refused = sorted(asked - allowed)
                if refused:
                    log.warning(
                        "api key %s denied %s (scopes: %s)",
                        caller.api_key.prefix,
                        ", ".join(refused),
                        ", ".join(sorted(caller.api_key.scopes)),
                    )
                    raise GraphQLError(
                        f"this API key's scopes do not allow {', '.join(refused)}",
                        extensions={"code": "FORBIDDEN"},
                    )
        yield
