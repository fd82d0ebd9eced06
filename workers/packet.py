"""Audit packet jobs: build one packet (kicked when it is requested), and a sweep that re-queues
packets a lost kick or a dead worker left behind. Both are safe to run twice: the build takes
its packet under a lock and never rebuilds a finished one."""

from __future__ import annotations

from typing import Any

from domain.packet import build, services
from domain.settings import load
from workers.job_ids import audit_packet_job_id
from workers.jobs import units

# A packet with no progress for this long is building nowhere (progress is written each second).
STALE_SECONDS = 120.0


async def build_audit_packet(ctx: dict[str, Any], packet_id: int) -> dict[str, Any]:
    """Build the packet (nothing if it is finished, or being built by another run)."""
    built = await build.build(units(ctx), packet_id)
    return {"packet": built.packet_id, "status": built.status, "rows": built.rows}


async def sweep_audit_packets(ctx: dict[str, Any]) -> dict[str, int]:
    """Every few minutes: queue a build for packets queued or building without progress."""
    stale = await services.stale(STALE_SECONDS)
    redis = ctx.get("redis")
    prefix = (ctx.get("settings") or load()).redis_prefix
    for packet_id in stale:
        if redis is not None:
            await redis.enqueue_job(
                build_audit_packet.__qualname__,
                packet_id,
                _job_id=audit_packet_job_id(prefix, packet_id),
            )
    return {"queued": len(stale)}
