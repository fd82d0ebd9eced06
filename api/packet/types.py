"""An audit packet, its progress and its download link."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.auth.types import User
from api.context import Info
from api.locations.types import Location
from domain.packet import links
from domain.packet.services import AuditPacketRow


@strawberry.type(description="A signed link to a finished packet; it stops working at expiresAt.")
class AuditPacketDownload:
    url: str = strawberry.field(
        description="A path on this API. GET it with your own bearer token: the link alone is not"
        " enough, and only compliance and auditor grants may download."
    )
    expires_at: datetime


@strawberry.type(
    description="A licence's records for a period: a ZIP of CSVs and a PDF summary, built by a"
    " job (status queued, building, finished or failed)."
)
class AuditPacket:
    id: strawberry.ID
    first_day: date = strawberry.field(name="from", description="The first local day.")
    last_day: date = strawberry.field(name="to", description="The last local day (included).")
    period_start: datetime
    period_end: datetime = strawberry.field(
        description="Excluded; the moment of the request when the period reaches today."
    )
    status: str
    parts_done: int
    parts_total: int
    rows_written: int
    current_part: str | None = strawberry.field(description="The CSV being written now.")
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    sha256: str | None = strawberry.field(description="SHA-256 of the finished ZIP file.")
    size_bytes: int | None
    error: str | None
    location_id: strawberry.Private[int]
    requested_by_id: strawberry.Private[int]

    @strawberry.field
    async def location(self, info: Info) -> Location:
        return Location.from_domain(await info.context.loaders.location.one(self.location_id))

    @strawberry.field
    async def requested_by(self, info: Info) -> User:
        return User.from_domain(await info.context.loaders.user.one(self.requested_by_id))

    @strawberry.field(description="A fresh signed link, once the packet is finished.")
    def download(self) -> AuditPacketDownload | None:
        if self.status != "finished":
            return None
        link = links.sign(int(self.id))
        return AuditPacketDownload(url=link.path, expires_at=link.expires_at)

    @classmethod
    def from_domain(cls, row: AuditPacketRow) -> AuditPacket:
        return cls(
            id=strawberry.ID(str(row.id)),
            first_day=row.first_day,
            last_day=row.last_day,
            period_start=row.period_start,
            period_end=row.period_end,
            status=row.status,
            parts_done=row.parts_done,
            parts_total=row.parts_total,
            rows_written=row.rows_written,
            current_part=row.current_part,
            requested_at=row.requested_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            sha256=row.sha256,
            size_bytes=row.size_bytes,
            error=row.error,
            location_id=row.location_id,
            requested_by_id=row.requested_by,
        )


@strawberry.type(description="A packet's build moved on (fresh values).")
class AuditPacketProgress:
    packet_id: strawberry.ID
    status: str
    parts_done: int
    parts_total: int
    rows_written: int
    packet: AuditPacket
