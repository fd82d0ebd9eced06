"""Refuse text PostgreSQL cannot store, before any resolver sees it.

A NUL character (U+0000) in any string, whether a variable or a literal in the query, would reach
the database and fail there as a driver error: a 500 for what is plainly the caller's bad input.
No field of ours means anything with a NUL in it, so the whole request is refused up front, the
way GraphQL refuses a variable of the wrong type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

NUL = "\x00"
MESSAGE = "text must not contain NUL (U+0000) characters"


def holds_nul(value: Any) -> bool:
    """Whether any string inside ``value`` (dicts and lists walked) contains a NUL."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        self.found = self.found or NUL in node.value


def _document_holds_nul(query: str | None, document: Any) -> bool:
    # Cheap test first: a literal NUL can only come from a raw NUL or a \u escape.
    if not query or (NUL not in query and "\\u" not in query) or document is None:
        return False
    literals = _Literals()
    visit(document, literals)
    return literals.found


class RejectNulCharacters(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if holds_nul(context.variables) or _document_holds_nul(
            context.query, context.graphql_document
        ):
            error = GraphQLError(MESSAGE, extensions={"code": "BAD_USER_INPUT"})
            context.result = ExecutionResult(data=None, errors=[error])
        yield
