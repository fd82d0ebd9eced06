"""Jobs finishing destructions at the state (BioTrack's second step after its hold)."""

from __future__ import annotations

from typing import Any

from domain.destruction import queries, state_finish
from workers.jobs import units


async def finish_state_destruction(ctx: dict[str, Any], destruction_id: int) -> dict[str, str]:
    """Kicked at the due time by ``DestructionCarriedOut``; safe to run twice."""
    return {"outcome": await state_finish.finish(units(ctx)(), destruction_id)}


async def sweep_state_destructions(ctx: dict[str, Any]) -> dict[str, int]:
    """Every few minutes: second steps that are due and not done (a lost kick, a step that
    was too early, a state that was down)."""
    done = 0
    for _location_id, destruction_id in await queries.state_finish_due():
        if await state_finish.finish(units(ctx)(), destruction_id) == state_finish.DONE:
            done += 1
    return {"finished": done}
