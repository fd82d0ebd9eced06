"""Requesting an audit packet, reading packets, and the build's bookkeeping (progress, the
finished file, a failure). The build itself is ``domain.packet.build``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from domain import db, events, service
from domain.changelog import record as changelog
from domain.changelog.model import Actor
from domain.errors import AuditPeriodInvalid, NotFound
from domain.identity.principal import Principal
from domain.packet import period as periods
from domain.roles import Capability
from domain.rows import returned
from domain.unit_of_work import UnitOfWork, UnitOfWorkFactory

# How many packets ``packets`` lists (newest first).
LIST_LIMIT = 50
# The change log's actor of a finished build (the arq job's name).
BUILD_JOB = "build_audit_packet"

_COLUMNS = (
    "id, location AS location_id, first_day, last_day, period_start, period_end, status,"
    " parts_total, parts_done, rows_written, current_part, requested_by, requested_at,"
    " started_at, finished_at, file_name, sha256, size_bytes, error"
)


@dataclass(frozen=True)
class AuditPacketRow:
    id: int
    location_id: int
    first_day: date
    last_day: date
    period_start: datetime
    period_end: datetime
    status: str
    parts_total: int
    parts_done: int
    rows_written: int
    current_part: str | None
    requested_by: int
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    file_name: str | None
    sha256: str | None
    size_bytes: int | None
    error: str | None

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")


@dataclass(frozen=True)
class RequestAuditPacket:
    location_id: int
    first: date
    last: date
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AuditPacketRequested:
    packet_id: int


def progressed(row: AuditPacketRow) -> events.AuditPacketProgressed:
    return events.AuditPacketProgressed(
        location_id=row.location_id,
        packet_id=row.id,
        status=row.status,
        parts_done=row.parts_done,
        parts_total=row.parts_total,
        rows_written=row.rows_written,
    )


async def request_audit_packet(
    uow: UnitOfWork, principal: Principal, cmd: RequestAuditPacket
) -> service.Outcome[AuditPacketRequested]:
    """Ask for a licence's packet for local days ``first``..``last``.

    Why it exists: an inspector asks for the records of a period; building them takes a while,
    so the request is recorded and a job builds it. Asking again for the same period returns
    the same packet (a failed one is queued again); a period reaching today ends now, so its
    packet is a snapshot that never changes.
    """
    principal.require(Capability.AUDIT_PACKETS, cmd.location_id)

    async def work(uow: UnitOfWork) -> AuditPacketRequested:
        conn = uow.conn
        timezone = await conn.fetchval(
            "SELECT timezone FROM location WHERE id = $1", cmd.location_id
        )
        if timezone is None:
            raise NotFound("location", str(cmd.location_id))
        now = datetime.now(UTC)
        why = periods.refusal(cmd.first, cmd.last, periods.local_today(timezone, now))
        if why is not None:
            raise AuditPeriodInvalid(cmd.first.isoformat(), cmd.last.isoformat(), why)
        span = periods.period(cmd.first, cmd.last, timezone, now)
        record = returned(
            await conn.fetchrow(
                "INSERT INTO audit_packet (location, first_day, last_day, period_start,"
                " period_end, status, parts_total, parts_done, rows_written, attempts,"
                " requested_by, requested_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, 'queued', 0, 0, 0, 0, $6, now(), now())"
                " ON CONFLICT (location, period_start, period_end) DO UPDATE SET"
                " status = CASE WHEN audit_packet.status = 'failed' THEN 'queued'"
                " ELSE audit_packet.status END, updated_at = now()"
                f" RETURNING {_COLUMNS}",
                cmd.location_id,
                span.first,
                span.last,
                span.start,
                span.end,
                principal.user_id,
            )
        )
        row = AuditPacketRow(**dict(record))
        # Who asked for a licence's records, each time (asking again returns the same packet).
        await changelog.change(
            uow,
            principal,
            "requestAuditPacket",
            "audit packet",
            row.id,
            location_id=row.location_id,
            after={"first_day": row.first_day, "last_day": row.last_day, "status": row.status},
        )
        if row.status != "finished":  # a kick for the job (one queued job per packet)
            uow.record(progressed(row))
        return AuditPacketRequested(row.id)

    return await service.run(uow, principal, "requestAuditPacket", cmd, work, AuditPacketRequested)


async def packet(packet_id: int) -> AuditPacketRow | None:
    async with db.connection() as conn:
        record = await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM audit_packet WHERE id = $1", packet_id
        )
    return AuditPacketRow(**dict(record)) if record else None


async def readable_packet(principal: Principal, packet_id: int) -> AuditPacketRow:
    """The packet, if the caller may see it; one at a licence they hold no such grant at is
    NotFound, so ids cannot be probed."""
    row = await packet(packet_id)
    if row is None or not principal.can(Capability.AUDIT_PACKETS, row.location_id):
        raise NotFound("audit packet", str(packet_id))
    return row


async def packets(principal: Principal, location_id: int) -> list[AuditPacketRow]:
    """A licence's packets, newest first."""
    principal.require(Capability.AUDIT_PACKETS, location_id)
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM audit_packet WHERE location = $1 ORDER BY id DESC LIMIT $2",
            location_id,
            LIST_LIMIT,
        )
    return [AuditPacketRow(**dict(r)) for r in rows]


async def _update(
    uow: UnitOfWork, packet_id: int, sql: str, *args: object
) -> AuditPacketRow | None:
    record = await uow.conn.fetchrow(
        f"UPDATE audit_packet SET {sql}, updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
        packet_id,
        *args,
    )
    if record is None:
        return None
    row = AuditPacketRow(**dict(record))
    uow.record(progressed(row))
    return row


async def set_fields(units: UnitOfWorkFactory, packet_id: int, sql: str, *args: object) -> None:
    """One bookkeeping write and its progress event, committed at once (subscribers see it)."""
    async with units() as uow:
        await _update(uow, packet_id, sql, *args)


async def progress(
    units: UnitOfWorkFactory, packet_id: int, parts_done: int, rows: int, part: str | None
) -> None:
    await set_fields(
        units,
        packet_id,
        "parts_done = $2, rows_written = $3, current_part = $4",
        parts_done,
        rows,
        part,
    )


async def finished(
    units: UnitOfWorkFactory, packet_id: int, file_name: str, sha256: str, size: int
) -> None:
    """The packet's file is complete: the one place its SHA-256 and size are recorded, and
    the change log's row of them in the same transaction (the build job is the actor), so a
    file handed to an inspector can be matched against a chained, tamper-evident record."""
    async with units() as uow:
        row = await _update(
            uow,
            packet_id,
            "status = 'finished', parts_done = parts_total, current_part = NULL,"
            " finished_at = now(), file_name = $2, sha256 = $3, size_bytes = $4, error = NULL",
            file_name,
            sha256,
            size,
        )
        if row is None:
            return
        operator_id = await uow.conn.fetchval(
            "SELECT operator FROM location WHERE id = $1", row.location_id
        )
        await changelog.record(
            uow.conn,
            Actor.worker(operator_id, BUILD_JOB),
            "auditPacketBuilt",
            "audit packet",
            packet_id,
            location_id=row.location_id,
            after={
                "status": row.status,
                "file_name": file_name,
                "sha256": sha256,
                "size_bytes": size,
            },
        )


async def failed(units: UnitOfWorkFactory, packet_id: int, error: str) -> None:
    await set_fields(units, packet_id, "status = 'failed', error = $2", error[:2000])


async def stale(older_than_seconds: float) -> list[int]:
    """Packets queued or building with no progress for a while (a lost kick, a dead worker)."""
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id FROM audit_packet WHERE status IN ('queued', 'building')"
            " AND updated_at < now() - make_interval(secs => $1) ORDER BY id",
            older_than_seconds,
        )
    return [r["id"] for r in rows]
