"""Creating the test database from empty and migrating it, exactly as a deployment would."""

from __future__ import annotations

from urllib.parse import urlsplit

import asyncpg

from api import services
from api.cli import migrate
from domain.piccolo_app import TABLES

TABLES_TO_TRUNCATE = tuple(table._meta.tablename for table in TABLES)


async def recreate_and_migrate(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    server = services.with_database(url, "postgres")
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await migrate(url)
