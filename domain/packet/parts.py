"""What a packet is made of: registered parts, each one CSV file and (optionally) its share of
the PDF summary.

A part is small: a name (the CSV member ``<name>.csv``), a title, a header, and
``rows(conn, location_id, start, end)``, an async iterator of tuples that streams from a
server-side cursor, so a year of history never sits in memory. ``summary``, when set, makes a
``Tally`` that sees every row as it is written and then tells the PDF what it counted: the
summary's totals are the CSV's by construction. ``domain.packet.registry.PARTS`` lists the parts
in the order they are built; adding a section to every packet is appending one ``Part`` there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

import asyncpg

from domain.packet.period import Period

# Rows fetched per round trip by a part's server-side cursor.
BATCH = 5000

RowSource = Callable[[asyncpg.Connection, int, datetime, datetime], AsyncIterator[tuple]]


@dataclass(frozen=True)
class TextTable:
    """A table in the PDF: a caption, a header and rows of text."""

    caption: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart: one bar per period label, one stack per series (same length)."""

    title: str
    labels: Sequence[str]
    series: Mapping[str, Sequence[float]]
    unit: str


@dataclass(frozen=True)
class Section:
    """A part's contribution to the PDF summary."""

    title: str
    lines: Sequence[str] = ()
    tables: Sequence[TextTable] = ()
    chart: Chart | None = None


class Tally(Protocol):
    """Sees each row of one part as it is written; then says what it counted."""

    def add(self, row: tuple) -> None: ...

    def section(self) -> Section: ...


TallyFactory = Callable[[Period], Tally]


class PacketPart(Protocol):
    """The shape the builder reads (``Part`` is one; anything with these attributes is too)."""

    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def header(self) -> tuple[str, ...]: ...
    @property
    def summary(self) -> TallyFactory | None: ...
    @property
    def text_rows(self) -> bool: ...

    def rows(
        self, conn: asyncpg.Connection, location_id: int, start: datetime, end: datetime
    ) -> AsyncIterator[tuple]: ...


@dataclass(frozen=True)
class Part:
    """A registered part. ``rows`` is any streaming function of (conn, location, start, end).

    ``text_rows``: the rows hold only text, numbers and None (the SQL formats timestamps), so
    the writer passes them through; otherwise each value is formatted (``cell``)."""

    name: str
    title: str
    header: tuple[str, ...]
    source: RowSource
    summary: TallyFactory | None = None
    text_rows: bool = False

    def rows(
        self, conn: asyncpg.Connection, location_id: int, start: datetime, end: datetime
    ) -> AsyncIterator[tuple]:
        return self.source(conn, location_id, start, end)


def sql_rows(sql: str) -> RowSource:
    """A row source from one query taking ``$1`` location, ``$2`` start, ``$3`` end, read
    through a server-side cursor ``BATCH`` rows at a time (the caller's transaction).

    The next batch is asked for before this one is handed out, so PostgreSQL produces it while
    the writer formats and compresses this one (the build uses both cores, not one at a time).
    """

    async def rows(
        conn: asyncpg.Connection, location_id: int, start: datetime, end: datetime
    ) -> AsyncIterator[tuple]:
        cursor = await conn.cursor(sql, location_id, start, end)
        pending = asyncio.ensure_future(cursor.fetch(BATCH))
        try:
            while batch := await pending:
                pending = asyncio.ensure_future(cursor.fetch(BATCH))
                await asyncio.sleep(0)  # let the request go out before the batch is written
                for record in batch:
                    yield tuple(record)
        finally:
            if not pending.done():
                # A fetch in flight must finish: cancelling it would break the connection.
                await asyncio.shield(pending)

    return rows


def utc(column: str) -> str:
    """SQL formatting a timestamptz as the ledger's hash does (UTC, microseconds)."""
    return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def cell(value: Any) -> Any:
    """One value as a CSV cell: instants in ISO 8601, lists joined by ``;``, None empty."""
    if value is None or isinstance(value, str | int | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(str(cell(v)) for v in value)
    return str(value)


def number(value: str | None) -> Decimal:
    """A numeric cell back as a Decimal (tallies add what the CSV says)."""
    return Decimal(value) if value not in (None, "") else Decimal(0)
