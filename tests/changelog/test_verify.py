"""Tampering with the change log is found: the trigger refuses edits, and an edit made around
it (superuser SQL) is named by the verification, the first broken row of its chain."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from domain import db
from domain.catalog import services as catalog
from domain.changelog import queries
from domain.changelog.verify import verify_change_log
from domain.organisation import services as organisation
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow


async def _some_changes(world, count: int = 3) -> None:
    for n in range(count):
        await organisation.create_zone(
            new_uow(),
            world.as_(Role.MANAGER),
            organisation.CreateZone(world.ca.location_id, f"Back room {n}", ZoneKind.VAULT),
        )


async def _superuser(sql: str, *args) -> None:
    """What someone with the database's superuser password could do: bypass the trigger."""
    async with db.connection() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        await conn.execute(sql, *args)


async def _ids(location_id: int) -> list[tuple[int, str]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, operation FROM change_log WHERE location = $1 ORDER BY sequence",
            location_id,
        )
    return [(r["id"], r["operation"]) for r in rows]


async def test_an_untouched_log_verifies(world):
    await _some_changes(world)
    async with db.connection() as conn:
        assert await verify_change_log(conn, world.ca.location_id) == []
        assert await verify_change_log(conn, None) == []


async def test_the_log_refuses_update_and_delete(world):
    await _some_changes(world, 1)
    async with db.connection() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE change_log SET operation = 'nothing'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM change_log")


async def test_an_edited_historical_row_is_named(world):
    await _some_changes(world)
    rows = await _ids(world.ca.location_id)
    edited_id = rows[1][0]
    await _superuser(
        'UPDATE change_log SET after = \'{"name": "Nothing to see"}\'::jsonb WHERE id = $1',
        edited_id,
    )
    async with db.connection() as conn:
        (found,) = await verify_change_log(conn, world.ca.location_id)
    assert (found.id, found.operation, found.reason) == (
        edited_id,
        "createZone",
        "row content does not match its hash",
    )


async def test_a_deleted_row_is_named_by_the_row_after_the_gap(world):
    await _some_changes(world)
    rows = await _ids(world.ca.location_id)
    await _superuser("DELETE FROM change_log WHERE id = $1", rows[0][0])
    async with db.connection() as conn:
        (found,) = await verify_change_log(conn, world.ca.location_id)
    assert (found.id, found.sequence, found.reason) == (
        rows[1][0],
        1,
        "row 1 of the chain is missing",
    )


async def test_an_operator_wide_edit_is_named_in_the_operators_chain(world):
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(world.product_id, {"price": Decimal("20")}),
    )
    await _superuser(
        'UPDATE change_log SET after = \'{"price": "2"}\'::jsonb'
        " WHERE operation = 'updateProduct'"
    )
    async with db.connection() as conn:
        (found,) = await verify_change_log(conn, None)
    assert (found.chain, found.operation) == (f"operator:{world.ca.operator_id}", "updateProduct")


async def test_concurrent_writers_never_fork_a_chain(world):
    await asyncio.gather(
        *(
            organisation.create_zone(
                new_uow(),
                world.as_(Role.MANAGER),
                organisation.CreateZone(world.ca.location_id, f"Rush {n}", ZoneKind.VAULT),
            )
            for n in range(12)
        )
    )
    async with db.connection() as conn:
        sequences = await conn.fetch(
            "SELECT sequence FROM change_log WHERE chain = $1 ORDER BY sequence",
            f"location:{world.ca.location_id}",
        )
        assert [r["sequence"] for r in sequences] == list(range(1, len(sequences) + 1))
        assert await verify_change_log(conn, world.ca.location_id) == []


async def test_the_packet_streams_a_period_of_rows_oldest_first(world):
    await _some_changes(world, 4)
    now = datetime.now(UTC)
    async with db.connection() as conn:
        rows = [
            row
            async for row in queries.change_log_rows(
                conn, world.ca.location_id, now - timedelta(hours=1), now + timedelta(hours=1)
            )
        ]
        none = [
            row
            async for row in queries.change_log_rows(
                conn, world.ca.location_id, now - timedelta(days=2), now - timedelta(days=1)
            )
        ]
    assert [r.sequence for r in rows] == [1, 2, 3, 4]
    assert none == []


async def test_the_packet_can_take_the_operators_changes_of_the_period_too(world):
    await catalog.update_product(
        new_uow(),
        world.as_(Role.MANAGER),
        catalog.UpdateProduct(world.product_id, {"price": Decimal("20")}),
    )
    await _some_changes(world, 1)
    now = datetime.now(UTC)
    async with db.connection() as conn:
        rows = [
            row
            async for row in queries.change_log_rows(
                conn,
                world.ca.location_id,
                now - timedelta(hours=1),
                now + timedelta(hours=1),
                operator_id=world.ca.operator_id,
            )
        ]
    assert [r.operation for r in rows][-2:] == ["updateProduct", "createZone"]
    assert {r.location_id for r in rows} == {None, world.ca.location_id}


async def test_leafledger_verify_names_the_broken_row(world, database):
    await _some_changes(world)
    rows = await _ids(world.ca.location_id)
    clean = await _verify_cli(database)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    await _superuser("UPDATE change_log SET operation = 'createZoneX' WHERE id = $1", rows[2][0])
    broken = await _verify_cli(database)
    assert broken.returncode == 1
    assert f"row {rows[2][0]} (#3, createZoneX): row content does not match its hash" in (
        broken.stdout
    )


async def _verify_cli(database: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEAFLEDGER_DATABASE_URL": database}
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "api.cli", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
