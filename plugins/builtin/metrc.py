"""METRC (v2 REST): most US states."""

from __future__ import annotations

from plugins.base import Mode, StateSystem, TagFormat
from plugins.hookspecs import hookimpl

METRC = StateSystem(
    name="metrc",
    title="METRC",
    mode=Mode.REALTIME_API,
    # 24 characters, digits and capitals; the meaning of the parts is not public.
    tag_format=TagFormat(r"[0-9A-Z]{24}", "24 characters, digits and capital letters"),
)


@hookimpl
def register_state_systems() -> list[StateSystem]:
    return [METRC]
