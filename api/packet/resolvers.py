"""Audit packets: request one, read them, follow a build's progress."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from typing import Annotated

import strawberry

from api.context import Info
from api.diversion.resolvers import answered, require_caller
from api.errors import AuditPacketError
from api.live.feeds import Feed
from api.mutation import mutate
from api.packet.types import AuditPacket, AuditPacketProgress
from api.pagination import parse_id, query_id
from domain.events import AuditPacketProgressed
from domain.packet import services

PACKETS = Feed(AuditPacketProgressed)


@strawberry.input
class RequestAuditPacketInput:
    location_id: strawberry.ID
    first_day: date = strawberry.field(name="from", description="The first local day.")
    last_day: date = strawberry.field(
        name="to", description="The last local day (included); today at the latest."
    )
    idempotency_key: str | None = None


@strawberry.type
class AuditPacketPayload:
    replayed: bool
    packet_id: strawberry.Private[int]

    @strawberry.field
    async def packet(self) -> AuditPacket | None:
        row = await services.packet(self.packet_id)
        return AuditPacket.from_domain(row) if row else None


RequestAuditPacketResult = Annotated[
    AuditPacketPayload | AuditPacketError, strawberry.union("RequestAuditPacketResult")
]


def _progress(event: AuditPacketProgressed, row: services.AuditPacketRow) -> AuditPacketProgress:
    return AuditPacketProgress(
        packet_id=strawberry.ID(str(event.packet_id)),
        status=event.status,
        parts_done=event.parts_done,
        parts_total=event.parts_total,
        rows_written=event.rows_written,
        packet=AuditPacket.from_domain(row),
    )


@strawberry.type
class PacketQueries:
    @strawberry.field(description="One audit packet (compliance, auditors and admins).")
    async def audit_packet(self, info: Info, id: strawberry.ID) -> AuditPacket:
        principal = await require_caller(info)
        row = await answered(services.readable_packet(principal, query_id(id, "audit packet")))
        return AuditPacket.from_domain(row)

    @strawberry.field(description="A licence's audit packets, newest first.")
    async def audit_packets(self, info: Info, location_id: strawberry.ID) -> list[AuditPacket]:
        principal = await require_caller(info)
        loc = query_id(location_id, "location")
        return [
            AuditPacket.from_domain(r) for r in await answered(services.packets(principal, loc))
        ]


@strawberry.type
class PacketMutations:
    @strawberry.mutation(
        description="Ask for a licence's audit packet for local days from..to; a job builds it"
        " (follow auditPacketProgress). The same period again returns the same packet."
    )
    async def request_audit_packet(
        self, info: Info, input: RequestAuditPacketInput
    ) -> RequestAuditPacketResult:
        return await mutate(
            info,
            services.request_audit_packet,
            lambda: services.RequestAuditPacket(
                location_id=parse_id(input.location_id, "location"),
                first=input.first_day,
                last=input.last_day,
                idempotency_key=input.idempotency_key,
            ),
            lambda o: AuditPacketPayload(replayed=o.replayed, packet_id=o.value.packet_id),
        )


@strawberry.type
class PacketSubscriptions:
    @strawberry.subscription(
        description="A packet's build: its state now, then each step, until finished or failed."
    )
    async def audit_packet_progress(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[AuditPacketProgress, None]:
        principal = await require_caller(info)
        row = await answered(services.readable_packet(principal, query_id(id, "audit packet")))
        async with info.context.broadcaster.listen(row.location_id) as queue:
            # Listening first, then reading: a step between the two is not missed.
            now = await services.packet(row.id)
            if now is None:
                return
            yield _progress(services.progressed(now), now)
            if now.done:
                return
            while True:
                _, event = await PACKETS.next(queue)
                if event.packet_id != row.id:
                    continue
                fresh = await services.packet(row.id)
                if fresh is None:
                    return
                yield _progress(event, fresh)
                if event.status in ("finished", "failed"):
                    return
