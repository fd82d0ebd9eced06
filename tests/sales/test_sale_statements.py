"""A register's sale costs a fixed number of SQL statements, however many lines it has
(Saleor-style query-count guard: a per-line query slipping in shows up here)."""

from __future__ import annotations

import asyncio

from domain import db
from domain.roles import Role
from domain.sales import sales
from tests.sales.helpers import floor_package, sale
from tests.support.units import new_uow

# BEGIN, idempotency claim, location, packages, source zones, customer lock, package locks,
# earlier purchases, FEFO, floor totals (products with a low-stock threshold), sale, ledger post,
# state report, sale lines, idempotency answer, COMMIT.
EXPECTED_STATEMENTS = 16


async def _statements(world, tags: list[str], customer: str) -> int:
    with db.count_queries() as log:
        outcome = await sales.record_sale(
            new_uow(),
            world.as_(Role.BUDTENDER),
            sale(world, *[(t, "1") for t in tags], customer=customer),
        )
        await asyncio.sleep(0)  # asyncpg reports statements on the next loop turn
    assert not outcome.replayed
    return len(log)


async def test_a_one_line_and_a_five_line_sale_cost_the_same_statements(world):
    tags = [(await floor_package(world, "50"))[0] for _ in range(5)]
    async with db.connection() as conn:
        await conn.execute("UPDATE product SET low_stock_threshold = 5")
    await _statements(world, tags[:1], "warm-up")
    assert await _statements(world, tags[:1], "one") == EXPECTED_STATEMENTS
    assert await _statements(world, tags, "five") == EXPECTED_STATEMENTS
