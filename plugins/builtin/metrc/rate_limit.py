"""METRC's published GET limits, kept on our side so we are not the one who trips them.

50 GETs/s and 10 concurrent requests per facility, 150 GETs/s per integrator key. Limiters are
shared by every client in the process for the same facility or key. (Several worker processes
each keep their own; run the sync worker as one process per integrator key, or lower the rates.)
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

FACILITY_GETS_PER_SECOND = 50.0
FACILITY_CONCURRENCY = 10
INTEGRATOR_GETS_PER_SECOND = 150.0


# Kept instead of aiolimiter.AsyncLimiter(rate, 1), the same algorithm: these 15 lines need no
# dependency on every worker, and the facility's concurrency slot around them stays ours anyway.
@dataclass
class TokenBucket:
    rate: float
    capacity: float
    tokens: float = field(init=False)
    updated: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / self.rate)


_buckets: dict[str, TokenBucket] = {}
_slots: dict[str, asyncio.Semaphore] = {}


def _bucket(key: str, rate: float) -> TokenBucket:
    if key not in _buckets:
        _buckets[key] = TokenBucket(rate=rate, capacity=rate)
    return _buckets[key]


@contextlib.asynccontextmanager
async def request_slot(
    facility: str, integrator: str, *, is_get: bool, rates: tuple[float, float] | None = None
) -> AsyncIterator[None]:
    """Wait for a concurrency slot (every request) and rate tokens (GETs only)."""
    facility_rate, integrator_rate = rates or (FACILITY_GETS_PER_SECOND, INTEGRATOR_GETS_PER_SECOND)
    slot = _slots.setdefault(facility, asyncio.Semaphore(FACILITY_CONCURRENCY))
    async with slot:
        if is_get:
            await _bucket(f"facility:{facility}", facility_rate).take()
            await _bucket(f"integrator:{integrator}", integrator_rate).take()
        yield
