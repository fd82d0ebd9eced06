"""Which waste methods staff may choose: the state's list where its system publishes one
(METRC's ``/wastemethods/v2``), else the method the state's rulebook describes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain.compliance import connections
from domain.destruction import services
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork
from plugins.base import WasteMethods

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WasteMethodChoice:
    methods: list[str]
    source: str  # "state" (the state system's list) or "rulebook"
    # The regulator's words on making waste unusable (shown to staff), when the rulebook has them.
    rule: str | None


async def waste_methods(
    uow: UnitOfWork, principal: Principal, location_id: int
) -> WasteMethodChoice:
    """The methods for ``location_id``; a state that cannot be reached falls back to the rule."""
    principal.require(Capability.READ, location_id)
    steps = await services.location_steps(uow, location_id)
    target = await connections.load(uow.registry, location_id)
    if target is not None and target.system.connect is not None:
        client = target.system.connect(target.connection)
        try:
            if isinstance(client, WasteMethods):
                return WasteMethodChoice(await client.waste_methods(), "state", steps.method)
        except Exception as exc:  # the state is down or answered oddly: the rule still applies
            log.warning("waste methods for location %s: %s", location_id, exc)
        finally:
            await client.close()
    return WasteMethodChoice([steps.method] if steps.method else [], "rulebook", steps.method)
