"""Deleting one deployment's Redis keys, as if Redis had lost them, without touching another's.

Runs of the suite (and a demo) may share one Redis database, each under its own
``LEAFLEDGER_REDIS_PREFIX``: a test that simulates "Redis lost its queue" must forget only the
keys its own prefix owns, never ``FLUSHDB`` another run's jobs away.
"""

from __future__ import annotations

import redis.asyncio as aioredis


def owned_patterns(prefix: str) -> list[str]:
    """The keys a prefix owns: its queue, rate limits and health check (``<prefix>:...``) and
    arq's per-job keys, whose ids all carry the prefix (``arq:job:<prefix>:drain:1``, and the
    crons' ``arq:job:cron:<prefix>:...``)."""
    return [f"{prefix}:*", f"arq:*:{prefix}:*"]


async def forget_queue(redis_url: str, prefix: str) -> int:
    """Delete every key ``prefix`` owns; answers how many there were."""
    client = aioredis.from_url(redis_url)
    try:
        keys = {key for p in owned_patterns(prefix) async for key in client.scan_iter(match=p)}
        if keys:
            await client.delete(*keys)
        return len(keys)
    finally:
        await client.aclose()
