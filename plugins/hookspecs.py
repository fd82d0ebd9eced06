"""The hooks a LeafLedger plugin may implement. Each is a signature and the reason it exists.

Every hook is a registration: it describes what a plugin ships, once, when the plugin manager
is built. The context of a call (a licence's connection, a state code, a sale line) is passed
later to the objects these hooks return (``StateSystem.connect``, ``StateRulebook.limits_for``,
``PosAdapter.parse``...), never through pluggy, which cannot await. Implementations run
last-registered first, so an installed plugin that returns a name or state code a built-in
also returns replaces the built-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from plugins.base import StateSystem
    from plugins.integrations import DeliveryAdapter, PosAdapter
    from plugins.states.base import StateRulebook

hookspec = pluggy.HookspecMarker("leafledger")
hookimpl = pluggy.HookimplMarker("leafledger")


@hookspec
def register_state_systems() -> list[StateSystem]:
    """Return the state track-and-trace systems (METRC, BioTrack, CCRS...) this plugin provides,
    so an operator can enable one per licence without LeafLedger knowing every state."""
    ...


@hookspec
def register_states() -> list[StateRulebook]:
    """Return the retail rules of the states this plugin covers (purchase limits, waste, counts,
    labels, report deadlines), one rulebook per state code, so rules change without a release."""
    ...


@hookspec
def register_pos_adapters() -> list[PosAdapter]:
    """Return POS adapters, so a register posts sales and voids in its vendor's own format."""
    ...


@hookspec
def register_delivery_adapters() -> list[DeliveryAdapter]:
    """Return delivery-platform adapters, so orders become reservations in the platform's format."""
    ...
