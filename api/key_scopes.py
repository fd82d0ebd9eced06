"""An API key may call only the root fields its scopes name (see ``domain.identity.api_keys``).

The capability checks in the services still apply; this second gate exists because two scopes can
need the same capability (recording a sale and creating a reservation both need SELL) yet a key
should get only the operations it was issued for.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, get_operation_ast
from strawberry.extensions import SchemaExtension

from api.context import Context
from api.request_guard import root_fields
from domain.changelog import record as changelog
from domain.identity import api_keys

log = logging.getLogger(__name__)


def asked_fields(document: DocumentNode, operation_name: str | None) -> frozenset[str]:
    """The root fields the request would run; every operation's when none is singled out
    (execution refuses such a document anyway, but a key is never let through on a guess)."""
    operation = get_operation_ast(document, operation_name)
    if operation is not None:
        return root_fields(document, operation)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return frozenset().union(*(root_fields(document, op) for op in operations))


class ApiKeyScopes(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context) and context.token:
            caller = await context.identify()
            if caller.api_key is not None:
                allowed = api_keys.fields_allowed(caller.api_key.scopes)
                document = self.execution_context.graphql_document
                if document is None:
                    raise GraphQLError("no document to check", extensions={"code": "FORBIDDEN"})
                asked = asked_fields(document, self.execution_context.operation_name)
                refused = sorted(asked - allowed)
                if refused:
                    await changelog.denied(
                        caller.principal or caller.api_key.principal,
                        ", ".join(refused),
                        "call fields outside the key's scopes",
                        ", ".join(sorted(caller.api_key.scopes)),
                    )
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
