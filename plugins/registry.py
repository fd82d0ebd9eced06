"""The plugin manager factory and the lookup of a location's state system."""

from __future__ import annotations

import functools

import pluggy

from plugins import hookspecs
from plugins.base import StateSystem
from plugins.builtin import biotrack, ccrs, metrc, none

ENTRY_POINT_GROUP = "leafledger.state_systems"
BUILTINS = (metrc, biotrack, ccrs, none)


def get_plugin_manager(*, load_entrypoints: bool = True) -> pluggy.PluginManager:
    """A fresh manager with the built-ins and (unless told not to) installed plugins.

    Tests pass ``load_entrypoints=False`` and register what they need explicitly.
    """
    pm = pluggy.PluginManager("leafledger")
    pm.add_hookspecs(hookspecs)
    for module in BUILTINS:
        pm.register(module, name=f"leafledger.builtin.{module.__name__.rsplit('.', 1)[-1]}")
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    # A misspelled hook implementation fails here, at start-up, not silently later.
    pm.check_pending()
    return pm


def collect_state_systems(pm: pluggy.PluginManager) -> dict[str, StateSystem]:
    systems: dict[str, StateSystem] = {}
    # Later-registered plugins run first, so a third-party plugin may replace a built-in.
    for batch in pm.hook.register_state_systems():
        for system in batch:
            systems.setdefault(system.name, system)
    return systems


@functools.cache
def state_systems() -> dict[str, StateSystem]:
    return collect_state_systems(get_plugin_manager())


def state_system(name: str) -> StateSystem:
    try:
        return state_systems()[name]
    except KeyError:
        raise LookupError(f"no state system named {name!r} is installed") from None
