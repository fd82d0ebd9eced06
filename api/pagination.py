"""Relay-style connections over keyset pages, and parsing of ids and cursors."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from domain.errors import NotFound
from domain.inventory.queries import Page
from domain.rows import Identified

T = TypeVar("T")
R = TypeVar("R", bound=Identified)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(value: int) -> str:
    return base64.urlsafe_b64encode(f"k:{value}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, value = text.partition(":")
        if prefix != "k":
            raise ValueError(cursor)
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise GraphQLError("invalid cursor", extensions={"code": "BAD_CURSOR"}) from None


def connection(page: Page[R], build: Callable[[R], T]) -> Connection[T]:
    edges = [Edge(cursor=encode_cursor(row.id), node=build(row)) for row in page.rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


# Entities whose tables use 64-bit ids (the high-volume ones); every other table's ids are
# 32-bit, and an id beyond that range could never exist: it must be "not found", not a driver
# error about int4 overflow.
_WIDE_IDS = frozenset(
    {
        "discrepancy",
        "integration event",
        "movement",
        "purchase order",
        "receiving session",
        "reconciliation run",
        "reservation",
        "sale",
        "shipment",
        "state report",
        "webhook delivery",
    }
)


def parse_id(value: strawberry.ID | str | int, entity: str) -> int:
    """A GraphQL ID as a database id; anything else is simply not found."""
    try:
        number = int(str(value))
    except ValueError:
        raise NotFound(entity, str(value)) from None
    if not 0 < number < (2**63 if entity in _WIDE_IDS else 2**31):
        raise NotFound(entity, str(value))
    return number


def query_id(value: strawberry.ID | str | int, entity: str) -> int:
    """Like ``parse_id`` for query arguments, where refusals are GraphQL errors."""
    try:
        return parse_id(value, entity)
    except NotFound as exc:
        raise GraphQLError(exc.message, extensions={"code": "NOT_FOUND"}) from None
