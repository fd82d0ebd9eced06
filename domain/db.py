"""The PostgreSQL engine, its pool, and the one way services open a transaction."""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import asyncpg
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction

PLACEHOLDER_URL = "postgresql://postgres@127.0.0.1:5432/leafledger"


class _Engine(PostgresEngine):
    """Piccolo's engine without its import-time connection.

    The stock engine connects while being constructed (a version check and ``CREATE EXTENSION``),
    i.e. when this module is imported, before the CLI has chosen or started a database.
    """

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None


# Pointed at the configured database by ``configure`` (api.bootstrap) before the pool starts.
DB = _Engine(
    config={"dsn": PLACEHOLDER_URL},
    extensions=(),
    log_queries=False,
)

# Counts statements per logical operation (tests pin these to catch N+1 regressions).
_query_log: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "leafledger_query_log", default=None
)


def configure(database_url: str) -> None:
    """Point the engine at ``database_url``; call before the pool starts."""
    DB.config = {"dsn": database_url}


# asyncpg's own type introspection (once per connection and type) is not ours to count.
_DRIVER_INTERNAL = (
    "WITH RECURSIVE typeinfo_tree",
    "SELECT current_setting('jit')",
    "SELECT set_config('jit'",
)


def _log_query(record: Any) -> None:
    log = _query_log.get()
    if log is not None and not " ".join(record.query.split()).startswith(_DRIVER_INTERNAL):
        log.append(record.query)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release ``RESET ALL; UNLISTEN *; ...`` round trip.

    We never change session state (no SET, LISTEN or advisory locks); asyncpg still rolls back
    any open transaction before calling this.
    """


def _encode_json(value: Any) -> str:
    # Decimals, dates and enums as strings, as every jsonb writer did by hand before.
    return json.dumps(value, default=str)


async def _init_connection(connection: asyncpg.Connection) -> None:
    # json/jsonb in and out as Python objects: writers pass dicts and lists, readers get them.
    # Set before the query logger, so the codec's one type lookup is never counted.
    for name in ("json", "jsonb"):
        await connection.set_type_codec(
            name, encoder=_encode_json, decoder=json.loads, schema="pg_catalog"
        )
    connection.add_query_logger(_log_query)


async def connect(url: str) -> asyncpg.Connection:
    """A connection outside the pool (backups, restores) reading jsonb as the pool does: the
    change log's hashes cover its jsonb as objects, not as the text a bare connection returns."""
    connection = await asyncpg.connect(url)
    await _init_connection(connection)
    return connection


# Our hot paths are index lookups on tables that mostly sit in cache (SSD or RAM): tell the
# planner random reads are about as cheap as sequential ones (PostgreSQL's default of 4 dates
# from spinning disks, and made a sale's FEFO check scan every balance of the store).
SESSION_SETTINGS = {"random_page_cost": "1.1"}


async def start(min_size: int = 1, max_size: int = 10) -> None:
    if DB.pool is None:
        await DB.start_connection_pool(
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            server_settings=SESSION_SETTINGS,
        )


async def stop() -> None:
    if DB.pool is not None:
        await DB.close_connection_pool()


def transaction() -> contextlib.AbstractAsyncContextManager[PostgresTransaction, None]:
    """A transaction that joins an outer one when nested.

    Typed as never swallowing an exception: piccolo's ``__aexit__`` is annotated ``-> bool`` (it
    answers ``exception is None``, so it always re-raises), which a checker would otherwise read
    as "the block may be skipped", leaving every name bound inside it possibly unbound.

    Services open transactions; resolvers never do (sibling resolvers would share one connection).
    """
    return cast(
        "contextlib.AbstractAsyncContextManager[PostgresTransaction, None]", DB.transaction()
    )


def current_connection() -> asyncpg.Connection | None:
    txn = DB.current_transaction.get()
    # A pool's PoolConnectionProxy forwards every Connection method; its type does not say so.
    return cast(asyncpg.Connection, txn.connection) if txn is not None else None


@contextlib.asynccontextmanager
async def connection() -> AsyncIterator[asyncpg.Connection]:
    """The transaction's connection when inside one, else a pooled connection."""
    conn = current_connection()
    if conn is not None:
        yield conn
        return
    if DB.pool is None:
        raise RuntimeError("database pool is not started")
    async with DB.pool.acquire() as pooled:
        yield cast(asyncpg.Connection, pooled)  # a PoolConnectionProxy, as above


async def ping() -> None:
    """One round trip to the database (readiness probes); raises if it cannot be reached."""
    async with connection() as conn:
        await conn.fetchval("SELECT 1")


@contextlib.contextmanager
def count_queries() -> Iterator[list[str]]:
    """Collect every SQL statement run in this context (and tasks spawned from it)."""
    log: list[str] = []
    token = _query_log.set(log)
    try:
        yield log
    finally:
        _query_log.reset(token)


async def execute_script(sql: str) -> None:
    """Run several statements at once (hand-written migrations).

    Multi-statement SQL needs the simple query protocol (``execute``), not a prepared ``fetch``;
    inside piccolo's migration transaction the script joins it.
    """
    txn = DB.current_transaction.get()
    if txn is not None:
        await txn.connection.execute(sql)
        return
    conn = await DB.get_new_connection()
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def sql_migration(migration_id: str, description: str, forwards: str, backwards: str) -> Any:
    """A piccolo migration made of hand-written SQL (guards and indexes piccolo cannot say)."""
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager

    manager = MigrationManager(
        migration_id=migration_id, app_name="leafledger", description=description
    )

    async def run() -> None:
        await execute_script(forwards)

    async def run_backwards() -> None:
        await execute_script(backwards)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
