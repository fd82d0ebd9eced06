"""Open operations per API key across every API process: leases in a Redis sorted set.

A floor-display key may hold sockets on several API processes, so the cap per key cannot be a
counter in one process, and a plain Redis counter would count a crashed process's sockets forever.
Each open operation is a member scored by its lease's expiry: claiming drops lapsed members and
counts the rest in one atomic script; the process renews its members every third of a lease while
they are open and removes them when they end. If Redis is unreachable, operations are allowed
(logged), as with the rate limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
LEASE_SECONDS = 60
_PROCESS = uuid.uuid4().hex[:12]

# KEYS[1]: the key's set; ARGV: cap, lease, member. 1 if claimed.
_CLAIM = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
"""
# KEYS[1]: the key's set; ARGV: lease, members... (only members still present are renewed).
_RENEW = """
local now = tonumber(redis.call('TIME')[1])
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
"""


class KeySubscriptions:
    def __init__(self, redis: aioredis.Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self.open: dict[str, int] = {}
        self._renewer: asyncio.Task | None = None
        self._pending: set[asyncio.Task] = set()

    def _set(self, key_id: int) -> str:
        return f"{self.prefix}subscriptions:{key_id}"

    async def claim(self, key_id: int, cap: int) -> str | None:
        """A lease for one more open operation of the key, or None when ``cap`` are open.

        The empty string means Redis could not be asked (allowed, nothing to release)."""
        member = f"{_PROCESS}:{uuid.uuid4().hex}"
        try:
            claimed = await self._claim(keys=[self._set(key_id)], args=[cap, LEASE_SECONDS, member])
        except (RedisError, OSError) as exc:
            log.warning("subscription cap not applied, Redis unavailable: %s", exc)
            return ""
        if not claimed:
            return None
        self.open[member] = key_id
        if self._renewer is None or self._renewer.done():
            self._renewer = asyncio.create_task(self._renew_while_open())
        return member

    def release(self, member: str) -> None:
        key_id = self.open.pop(member, None)
        if key_id is None:
            return
        task = asyncio.get_running_loop().create_task(self._remove(key_id, member))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _remove(self, key_id: int, member: str) -> None:
        try:
            await self.redis.zrem(self._set(key_id), member)
        except (RedisError, OSError) as exc:
            log.warning("subscription lease not released (it lapses): %s", exc)

    async def _renew_while_open(self) -> None:
        while self.open:
            await asyncio.sleep(LEASE_SECONDS / 3)
            by_key: dict[int, list[str]] = defaultdict(list)
            for member, key_id in list(self.open.items()):
                by_key[key_id].append(member)
            for key_id, members in by_key.items():
                try:
                    await self._renew(keys=[self._set(key_id)], args=[LEASE_SECONDS, *members])
                except (RedisError, OSError) as exc:
                    log.warning("subscription leases not renewed: %s", exc)

    async def aclose(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
