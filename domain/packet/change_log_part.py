"""The change log as a packet part: every non-stock change of the licence in the period (and its
operator's operator-wide changes: a price or a lab status set for every store), with the chain
fields an inspector needs to re-verify it (``docs/audit.md``)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

from domain.changelog.queries import change_log_rows
from domain.packet.parts import Part, Section, TextTable
from domain.packet.period import Period

HEADER = (
    "id",
    "chain",
    "sequence",
    "operator_id",
    "location_id",
    "occurred_at",
    "actor_kind",
    "user_id",
    "api_key_id",
    "client",
    "operation",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)


async def _rows(
    conn: asyncpg.Connection, location_id: int, start: datetime, end: datetime
) -> AsyncIterator[tuple]:
    operator = await conn.fetchval("SELECT operator FROM location WHERE id = $1", location_id)
    async for row in change_log_rows(conn, location_id, start, end, operator_id=operator):
        yield (
            row.id,
            row.chain,
            row.sequence,
            row.operator_id,
            row.location_id,
            row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            str(row.actor_kind),
            row.user_id,
            row.api_key_id,
            row.client,
            row.operation,
            row.entity_type,
            row.entity_id,
            json.dumps(row.before, sort_keys=True) if row.before is not None else None,
            json.dumps(row.after, sort_keys=True) if row.after is not None else None,
            row.prev_hash,
            row.hash,
        )


class ChangeTally:
    """How many changes of each kind the period holds, for the summary."""

    def __init__(self, period: Period) -> None:
        self.operations: Counter[str] = Counter()

    def add(self, row: tuple) -> None:
        self.operations[row[10]] += 1

    def section(self) -> Section:
        total = sum(self.operations.values())
        rows = [(op, str(n)) for op, n in self.operations.most_common()]
        return Section(
            "Change log",
            lines=(f"{total} changes other than stock (change_log.csv), each hash-chained.",),
            tables=(TextTable("Changes by operation", ("operation", "rows"), rows),)
            if rows
            else (),
        )


CHANGE_LOG = Part("change_log", "Change log", HEADER, _rows, ChangeTally, True)
