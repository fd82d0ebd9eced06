"""What a state system declares: its mode, capabilities and rules (tag format first)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field


class Mode(enum.StrEnum):
    REALTIME_API = "realtime_api"
    BATCH_FILE = "batch_file"
    NONE = "none"


@dataclass(frozen=True)
class TagFormat:
    """How the state labels a package; LeafLedger stores tags as opaque strings."""

    pattern: str
    description: str

    def refusal(self, tag: str) -> str | None:
        if re.fullmatch(self.pattern, tag) is None:
            return f"must be {self.description}"
        return None


@dataclass(frozen=True)
class StateSystem:
    """A state track-and-trace system as a plugin declares it."""

    name: str
    title: str
    mode: Mode
    tag_format: TagFormat
    capabilities: frozenset[str] = field(default_factory=frozenset)
