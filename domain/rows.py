"""Rows the SQL guarantees, narrowed for the type checker.

asyncpg's ``fetchrow`` and ``fetchval`` answer None when a query yields no row. An
``INSERT ... RETURNING``, an aggregate, or a SELECT of a row the caller created or locked in the
same transaction always yields one; ``returned`` says so, and if that guarantee were ever broken
it fails there, naming the query's purpose, rather than with a TypeError further on. A row a user
can name that may be missing is not this: that is ``domain.errors.NotFound``.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

T = TypeVar("T")


class Identified(Protocol):
    """A row with an id: what a loader keys by and a page's cursor is made of."""

    @property
    def id(self) -> int: ...


def returned(value: T | None, what: str = "row") -> T:
    """``value``, which the query guarantees is not None."""
    if value is None:
        raise LookupError(f"the query returned no {what}")
    return value
