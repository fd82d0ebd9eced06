"""Every request the BioTrack double received, what it answered, and what it noticed.

Why this module exists: tests assert on the conversation, not only on the resulting state -
"the client sent no invalid request", "it asked nonce_replay before retrying", "quantities went
out as strings", "the retry reused the nonce". The app appends one ``LogEntry`` per request from
the server thread; tests read copies.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class LogEntry:
    seq: int
    at: datetime
    action: str | None
    body: Any  # the parsed JSON body, or the raw text when it was not JSON
    nonce: str | None
    sessionid: str | None
    license_number: str | None
    status_code: int
    response: dict[str, Any] | None  # the JSON answer; None for HTTP 500/503/504
    raw_response: str  # exactly what went over the wire (header-leak text included)
    fault: str | None = None  # the fault that shaped this answer, if any
    applied: bool = False  # a write that changed the double's world
    replayed: bool = False  # a repeated nonce answered from the stored response
    invalid: bool = False  # refused by validation: a client bug
    notes: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)  # "data[0].quantity" -> "string"

    @property
    def success(self) -> bool:
        return bool(self.response and self.response.get("success") == 1)

    @property
    def errorcode(self) -> int | None:
        return None if self.response is None else self.response.get("errorcode")


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []

    def append(self, entry: LogEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def next_seq(self) -> int:
        with self._lock:
            return len(self._entries) + 1

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def entries(self, action: str | None = None) -> list[LogEntry]:
        """Copies of every entry (of one action, if given), oldest first."""
        with self._lock:
            picked = [e for e in self._entries if action is None or e.action == action]
            return copy.deepcopy(picked)

    def last(self, action: str | None = None) -> LogEntry:
        picked = self.entries(action)
        if not picked:
            raise LookupError(f"no request logged for {action or 'any action'}")
        return picked[-1]

    def invalid(self) -> list[LogEntry]:
        """Requests refused by validation - a well-behaved client produces none."""
        return [e for e in self.entries() if e.invalid]

    def failures(self) -> list[LogEntry]:
        """Every request that did not get ``success: 1`` (errors, faults, outages)."""
        return [e for e in self.entries() if not e.success]

    def applied(self, action: str | None = None) -> list[LogEntry]:
        return [e for e in self.entries(action) if e.applied]

    def with_nonce(self, nonce: str) -> list[LogEntry]:
        return [e for e in self.entries() if e.nonce == nonce]

    def quantity_encodings(self) -> set[str]:
        """How quantities and prices were sent: a subset of {"number", "string"}."""
        return {kind for e in self.entries() for kind in e.encodings.values()}

    def notes(self) -> list[str]:
        """Everything the double tolerated but noted (alternate shapes, reused nonces)."""
        return [f"{e.action}: {n}" for e in self.entries() for n in e.notes]
