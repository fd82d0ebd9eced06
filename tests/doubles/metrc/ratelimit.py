"""METRC's GET rate limits, for tests that want the double to enforce them.

Why this module exists: METRC limits GETs to 50 per second per facility, 150 per second per
integrator (vendor) key and 10 concurrent per facility, answering 429 with ``Retry-After`` beyond
that. Our client's paging and back-off must live with those limits; with the limiter switched on
(``Faults.enable_rate_limit``) the double enforces them with a sliding one-second window.
Writes are not limited (our reference notes say the limits apply to GET only).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimits:
    per_facility: int = 50
    per_integrator: int = 150
    concurrent_per_facility: int = 10
    window_seconds: float = 1.0


class RateLimiter:
    def __init__(
        self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._lock = threading.Lock()
        self._by_facility: dict[str, deque[float]] = {}
        self._by_integrator: dict[str, deque[float]] = {}
        self._in_flight: dict[str, int] = {}

    def _wait(self, stamps: deque[float], limit: int, now: float) -> float | None:
        window = self.limits.window_seconds
        while stamps and stamps[0] <= now - window:
            stamps.popleft()
        if len(stamps) < limit:
            return None
        return stamps[0] + window - now

    def acquire(self, facility: str, integrator: str) -> int | None:
        """None when the GET may proceed (call ``release`` after); else Retry-After seconds."""
        with self._lock:
            now = self._clock()
            if self._in_flight.get(facility, 0) >= self.limits.concurrent_per_facility:
                return 1
            by_facility = self._by_facility.setdefault(facility, deque())
            by_integrator = self._by_integrator.setdefault(integrator, deque())
            waits = [
                self._wait(by_facility, self.limits.per_facility, now),
                self._wait(by_integrator, self.limits.per_integrator, now),
            ]
            blocked = [w for w in waits if w is not None]
            if blocked:
                return max(1, math.ceil(max(blocked)))
            by_facility.append(now)
            by_integrator.append(now)
            self._in_flight[facility] = self._in_flight.get(facility, 0) + 1
            return None

    def release(self, facility: str) -> None:
        with self._lock:
            self._in_flight[facility] = max(0, self._in_flight.get(facility, 0) - 1)

    def in_flight(self, facility: str) -> int:
        with self._lock:
            return self._in_flight.get(facility, 0)
