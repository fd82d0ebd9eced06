"""Every request the METRC double answered, for assertions after the fact.

Why this module exists: tests of our METRC plugin must be able to say "the client posted exactly
one receipt", "it looked the receipt up before re-posting", and above all "the double saw no
invalid request". A request that breaks METRC's published contract (unknown endpoint, unknown or
mistyped property, missing licenseNumber, a 24 h lastModified window exceeded, ...) is marked
``violation`` even when a programmed fault answered it, so a fault cannot hide a client bug.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # parsed JSON as sent, raw text if not JSON, None if empty
    status: int
    timestamp: float  # time.time() when the request arrived
    duration: float  # seconds until the answer was ready
    operation_id: str | None
    violation: bool = False
    errors: tuple[str, ...] = ()  # row errors / refusal messages the double answered or found
    fault: str | None = None  # the programmed fault that answered, if any
    crashed: bool = False  # a bug in the double itself answered 500
    response: Any = field(default=None, repr=False)  # parsed JSON answer, or text


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def last(self) -> LoggedRequest:
        with self._lock:
            return self._entries[-1]

    def find(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        operation_id: str | None = None,
        status: int | None = None,
    ) -> list[LoggedRequest]:
        """Entries matching all given filters; ``path`` matches as a prefix."""
        return [
            e
            for e in self.entries
            if (method is None or e.method == method.upper())
            and (path is None or e.path.startswith(path))
            and (operation_id is None or e.operation_id == operation_id)
            and (status is None or e.status == status)
        ]

    @property
    def violations(self) -> list[LoggedRequest]:
        return [e for e in self.entries if e.violation]

    def assert_no_violations(self) -> None:
        """Fail when a request broke METRC's contract, or when the double itself crashed."""
        found = [e for e in self.entries if e.violation or e.crashed]
        if found:
            lines = [f"{e.method} {e.path} {e.query}: {'; '.join(e.errors)}" for e in found]
            raise AssertionError(
                "the METRC double saw invalid requests (or crashed):\n" + "\n".join(lines)
            )
