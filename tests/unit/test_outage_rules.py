"""Which failures a client is told to retry, and that no other crash leaks its message."""

from __future__ import annotations

import asyncpg
from graphql import GraphQLError

from api import outage


def _raised(error: Exception) -> GraphQLError:
    return GraphQLError(str(error), original_error=error)


def test_a_lost_database_connection_is_an_outage_a_cancelled_statement_is_not():
    assert outage.is_outage(_raised(asyncpg.ConnectionDoesNotExistError("closed")))
    assert outage.is_outage(_raised(ConnectionRefusedError("refused")))
    assert outage.is_outage(
        _raised(asyncpg.exceptions.InternalClientError("cannot switch to state 12"))
    )
    assert not outage.is_outage(_raised(asyncpg.exceptions.QueryCanceledError("timeout")))


def test_a_crash_that_escaped_masking_is_answered_unexpected_error():
    leaked = outage.masked(_raised(RuntimeError("SELECT * FROM secrets failed at row 7")))
    assert leaked.message == outage.UNEXPECTED
    assert leaked.original_error is None


def test_refusals_and_outages_keep_their_words():
    refusal = GraphQLError("sign in first", extensions={"code": "UNAUTHENTICATED"})
    assert outage.masked(refusal) is refusal
    lost = _raised(asyncpg.ConnectionDoesNotExistError("closed"))
    assert outage.masked(lost) is lost
