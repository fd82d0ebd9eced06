"""Telling a client "we could not reach our database, retry" apart from "we have a bug".

When PostgreSQL or Redis is unreachable (restarting, failing over, crashed), a request fails
with a connection error that says nothing about the request. Masked as "Unexpected error." with
a traceback, a client cannot tell it from a bug and an operator's log fills with tracebacks.
Instead, the request is answered HTTP 503 with ``Retry-After`` and a GraphQL error whose code is
``SERVICE_UNAVAILABLE``, and the log gets one line. A mutation caught in the outage either
committed or did not; retrying it with the same idempotency key is safe either way.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg
import redis.exceptions
from graphql import GraphQLError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
CODE = "SERVICE_UNAVAILABLE"
UNEXPECTED = "Unexpected error."  # what MaskErrors answers for a crash
MESSAGE = "LeafLedger cannot reach its database or cache right now; retry in a few seconds."

# Errors that mean "the server went away", never "the request was wrong". A PostgreSQL error
# with a SQLSTATE of class 08 (connection), 57P01-57P03 (admin shutdown, crash shutdown, cannot
# connect now) or 53300 (too many connections) is an outage; other SQLSTATEs, a cancelled
# statement (57014) included, are ours to fix and stay masked crashes.
_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    asyncpg.exceptions.AdminShutdownError,  # 57P01
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.CannotConnectNowError,  # 57P03 (starting up, in recovery)
    asyncpg.TooManyConnectionsError,  # 53300
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,  # includes refused and reset sockets
    # The driver's own protocol state broke under it (seen when PostgreSQL is killed mid-
    # operation: "cannot switch to state 12; another operation (2) is in progress").
    asyncpg.exceptions.InternalClientError,
)
# asyncpg raises InterfaceError for a pool whose connection died mid-request; its message is
# the only thing that tells it from a programming error (e.g. "another operation in progress").
_INTERFACE_OUTAGE_WORDS = ("connection was closed", "connection is closed", "pool is closing")


def is_outage(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) means PostgreSQL or Redis is unreachable."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, _OUTAGE_TYPES):
            return True
        if isinstance(error, TimeoutError) and "connect" in str(error).lower():
            return True
        if isinstance(error, asyncpg.InterfaceError) and any(
            word in str(error) for word in _INTERFACE_OUTAGE_WORDS
        ):
            return True
        if isinstance(error, GraphQLError):
            error = error.original_error
            continue
        error = error.__cause__ or error.__context__
    return False


def outage_error(error: GraphQLError) -> GraphQLError:
    """The client's view of ``error``: where it happened, not what the driver said."""
    return GraphQLError(
        MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": CODE, "retryAfterSeconds": RETRY_AFTER_SECONDS},
    )


def unavailable_body() -> dict[str, object]:
    return {
        "data": None,
        "errors": [
            {
                "message": MESSAGE,
                "extensions": {"code": CODE, "retryAfterSeconds": RETRY_AFTER_SECONDS},
            }
        ],
    }


async def send_unavailable(send: Any) -> None:
    """Answer an HTTP request 503 before GraphQL runs (the caller could not be identified)."""
    body = json.dumps(unavailable_body()).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def describe(error: BaseException) -> str:
    """One log line: the driver's words, no traceback (the same outage repeats per request)."""
    root: BaseException = error
    while isinstance(root, GraphQLError) and root.original_error is not None:
        root = root.original_error
    return f"{type(root).__name__}: {root}"[:300]


def masked(error: GraphQLError) -> GraphQLError:
    """``error`` as a client may see it: an outage or a refusal raised on purpose as it is, any
    other exception as "Unexpected error." (logged with its traceback)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) or is_outage(error):
        return error
    if error.message == UNEXPECTED:
        return error
    log.error("masked an unexpected error", exc_info=original)
    return GraphQLError(
        UNEXPECTED, nodes=error.nodes, source=error.source, positions=error.positions,
        path=error.path,
    )  # fmt: skip
