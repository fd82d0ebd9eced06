"""BioTrack (legacy serverjson v4)."""

from __future__ import annotations

from plugins.base import Mode, StateSystem, TagFormat
from plugins.hookspecs import hookimpl

BIOTRACK = StateSystem(
    name="biotrack",
    title="BioTrack",
    mode=Mode.REALTIME_API,
    tag_format=TagFormat(r"[0-9]{16}", "a 16-digit barcode"),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [BIOTRACK]
