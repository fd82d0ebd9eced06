"""SQL round trips per unit of in-process work (a sale, a hold), from asyncpg's query logger."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass
class StatementProfile:
    """SQL round trips of some in-process work, per unit of it (a sale, a reservation)."""

    units: int
    wall_ms: float
    statements: float
    statement_ms: float
    top: list[tuple[str, float, float]]  # (statement, calls per unit, ms per unit)

    def lines(self, unit: str, limit: int = 6) -> list[str]:
        head = (
            f"{self.wall_ms:.2f} ms wall per {unit} in-process, of which {self.statement_ms:.2f} ms"
            f" in {self.statements:.1f} SQL round trips"
        )
        return [
            head,
            *(f"  {ms:7.3f} ms  x{calls:<6.3g} {label}" for label, calls, ms in self.top[:limit]),
        ]

    def as_dict(self) -> dict[str, object]:
        return {
            "units": self.units,
            "wall_ms_per_unit": round(self.wall_ms, 3),
            "statements_per_unit": round(self.statements, 2),
            "statement_ms_per_unit": round(self.statement_ms, 3),
            "top": [
                {"statement": label, "calls_per_unit": round(calls, 2), "ms_per_unit": round(ms, 3)}
                for label, calls, ms in self.top
            ],
        }


@contextlib.asynccontextmanager
async def profile_statements(units: int) -> AsyncIterator[list[StatementProfile]]:
    """Time every SQL round trip on ``domain.db``'s pool during the block (asyncpg's query
    logger; the elapsed time is the client's view of each round trip). Yields a list that
    holds the profile afterwards. The loggers stay on the pool's connections until it closes,
    so run this just before stopping the pool. The driver's own type queries are left out."""
    from domain import db
    from domain.db import _DRIVER_INTERNAL

    pool = db.DB.pool
    if pool is None:
        raise RuntimeError("start the pool first")
    records: list[Any] = []
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    for conn in held:
        conn.add_query_logger(records.append)
    for conn in held:
        await pool.release(conn)
    out: list[StatementProfile] = []
    started = time.perf_counter()
    yield out
    wall = time.perf_counter() - started
    ours = [r for r in list(records) if not " ".join(r.query.split()).startswith(_DRIVER_INTERNAL)]
    by_statement: dict[str, list[float]] = {}
    for record in ours:
        label = " ".join(record.query.split())[:90]
        by_statement.setdefault(label, []).append(record.elapsed)
    top = sorted(
        ((label, len(t) / units, sum(t) * 1000 / units) for label, t in by_statement.items()),
        key=lambda item: -item[2],
    )
    out.append(
        StatementProfile(
            units=units,
            wall_ms=wall * 1000 / units,
            statements=len(ours) / units,
            statement_ms=sum(r.elapsed for r in ours) * 1000 / units,
            top=top,
        )
    )
