"""The hooks a LeafLedger plugin may implement. Each is a signature and the reason it exists."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("leafledger")
hookimpl = pluggy.HookimplMarker("leafledger")


@hookspec
def register_state_systems() -> list:  # list[plugins.base.StateSystem]
    """Return the state track-and-trace systems (METRC, BioTrack, CCRS...) this plugin provides,
    so an operator can enable one per licence without LeafLedger knowing every state."""
