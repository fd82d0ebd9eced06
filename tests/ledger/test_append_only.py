"""The database itself refuses to rewrite history or go negative, whatever code tries."""

from __future__ import annotations

import asyncpg
import pytest

from domain import db


async def test_movements_cannot_be_updated_or_deleted(world):
    async with db.connection() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE movement SET quantity = 1")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM movement")


async def test_a_balance_cannot_be_negative_even_by_hand(world):
    async with db.connection() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE stock_balance SET quantity = -1")


async def test_a_movement_of_nothing_is_refused_by_the_database(world):
    async with db.connection() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO movement (location, package, sequence, kind, to_zone, quantity,"
                " actor, occurred_at, recorded_at, previous_hash, hash)"
                " SELECT location, package, 99, 'adjust', zone, 0, 1, now(), now(), '', ''"
                " FROM stock_balance LIMIT 1"
            )
