"""Washington's CCRS: weekly CSV uploads, our identifiers become the state's keys."""

from __future__ import annotations

from plugins.base import Mode, StateSystem, TagFormat
from plugins.hookspecs import hookimpl

CCRS = StateSystem(
    name="ccrs",
    title="WA CCRS",
    mode=Mode.BATCH_FILE,
    tag_format=TagFormat(r"[0-9A-Za-z._-]{1,50}", "1 to 50 letters, digits, '.', '_' or '-'"),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [CCRS]
