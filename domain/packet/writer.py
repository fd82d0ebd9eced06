"""Streaming a part into its ZIP member: rows go from the cursor through ``csv`` straight into
the compressed member, a batch at a time, hashed on the way (the contents table's SHA-256)."""

from __future__ import annotations

import csv
import hashlib
import io
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.packet.parts import PacketPart, Tally, cell

# Rows formatted per write into the member; progress is reported at most this often (seconds).
WRITE_BATCH = 2000
PROGRESS_EVERY = 1.0

Progress = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Member:
    """One file of the packet: its name, data rows (header excluded), bytes and SHA-256."""

    name: str
    title: str
    rows: int
    size: int
    sha256: str


class _Sink:
    """The open member, counting and hashing what is written to it."""

    def __init__(self, raw: io.BufferedIOBase) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, text: str) -> None:
        data = text.encode()
        self.raw.write(data)
        self.digest.update(data)
        self.size += len(data)


async def write_part(
    archive: zipfile.ZipFile,
    part: PacketPart,
    conn: asyncpg.Connection,
    location_id: int,
    start: datetime,
    end: datetime,
    tally: Tally | None,
    progress: Progress,
) -> Member:
    """Write ``part`` as ``<name>.csv``; ``progress(rows so far)`` about once a second."""
    name = f"{part.name}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    rows = 0
    reported = time.monotonic()
    with archive.open(name, "w", force_zip64=True) as raw:
        sink = _Sink(raw)  # pyright: ignore[reportArgumentType] (a ZipExtFile is binary IO)
        writer.writerow(part.header)
        batch: list[tuple] = []

        def flush() -> None:
            writer.writerows(batch)
            batch.clear()
            sink.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()

        async for row in part.rows(conn, location_id, start, end):
            if not part.text_rows:
                row = tuple(cell(value) for value in row)
            if tally is not None:
                tally.add(row)
            batch.append(row)
            rows += 1
            if len(batch) >= WRITE_BATCH:
                flush()
                if time.monotonic() - reported >= PROGRESS_EVERY:
                    reported = time.monotonic()
                    await progress(rows)
        flush()
    return Member(name, part.title, rows, sink.size, sink.digest.hexdigest())


def add_file(archive: zipfile.ZipFile, name: str, title: str, data: bytes, rows: int) -> Member:
    """A member written whole (the PDF summary, the contents list)."""
    archive.writestr(name, data)
    return Member(name, title, rows, len(data), hashlib.sha256(data).hexdigest())


def contents_csv(members: list[Member]) -> bytes:
    """``contents.csv``: every other member with its rows, bytes and SHA-256."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("file", "title", "rows", "bytes", "sha256"))
    for m in members:
        writer.writerow((m.name, m.title, m.rows, m.size, m.sha256))
    return buffer.getvalue().encode()
