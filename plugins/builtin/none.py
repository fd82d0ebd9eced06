"""States with no mandated track-and-trace system (e.g. AZ): the internal ledger only."""

from __future__ import annotations

from plugins.base import Mode, StateSystem, TagFormat
from plugins.hookspecs import hookimpl

NONE = StateSystem(
    name="none",
    title="No state system",
    mode=Mode.NONE,
    tag_format=TagFormat(r"[0-9A-Za-z._-]{1,64}", "1 to 64 letters, digits, '.', '_' or '-'"),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [NONE]
