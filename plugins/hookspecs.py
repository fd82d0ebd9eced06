"""The hooks a LeafLedger plugin may implement. Each is a signature and the reason it exists."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("leafledger")
hookimpl = pluggy.HookimplMarker("leafledger")


@hookspec
def register_state_systems() -> list:  # list[plugins.base.StateSystem]
    """Return the state track-and-trace systems (METRC, BioTrack, CCRS...) this plugin provides,
    so an operator can enable one per licence without LeafLedger knowing every state."""


@hookspec
def register_pos_adapters() -> list:  # list[plugins.integrations.PosAdapter]
    """Return POS adapters, so a register posts sales and voids in its vendor's own format."""


@hookspec
def register_delivery_adapters() -> list:  # list[plugins.integrations.DeliveryAdapter]
    """Return delivery-platform adapters, so orders become reservations in the platform's format."""
