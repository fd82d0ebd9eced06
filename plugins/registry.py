"""The plugin manager factory and the lookups of state systems, state rulebooks, POS and
delivery adapters."""

from __future__ import annotations

import functools

import pluggy

from plugins import hookspecs
from plugins.base import StateSystem
from plugins.builtin import biotrack, ccrs, generic_delivery, generic_pos, metrc, none
from plugins.integrations import DeliveryAdapter, PosAdapter, check_name
from plugins.states import (
    arizona,
    california,
    colorado,
    illinois,
    massachusetts,
    michigan,
    nevada,
    new_jersey,
    new_york,
    oregon,
    washington,
)
from plugins.states.base import StateRulebook, find_rulebook

ENTRY_POINT_GROUP = "leafledger.state_systems"
# POS and delivery adapters may also be published under their own group.
INTEGRATIONS_ENTRY_POINT_GROUP = "leafledger.integrations"
# A package adds a state, or replaces a built-in one, under this group.
STATES_ENTRY_POINT_GROUP = "leafledger.states"
BUILTIN_STATES = (
    arizona,
    california,
    colorado,
    illinois,
    massachusetts,
    michigan,
    nevada,
    new_jersey,
    new_york,
    oregon,
    washington,
)
BUILTINS = (metrc, biotrack, ccrs, none, generic_pos, generic_delivery, *BUILTIN_STATES)


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
        pm.load_setuptools_entrypoints(INTEGRATIONS_ENTRY_POINT_GROUP)
        pm.load_setuptools_entrypoints(STATES_ENTRY_POINT_GROUP)
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


def collect_states(pm: pluggy.PluginManager) -> dict[str, StateRulebook]:
    """Every state's rulebook on ``pm`` by code; a later-registered plugin replaces a built-in."""
    rulebooks: dict[str, StateRulebook] = {}
    for batch in pm.hook.register_states():
        for rulebook in batch:
            if not isinstance(rulebook, StateRulebook):
                raise TypeError(f"register_states returned {rulebook!r}, not a StateRulebook")
            rulebooks.setdefault(rulebook.code, rulebook)
    return rulebooks


@functools.cache
def states() -> dict[str, StateRulebook]:
    return collect_states(get_plugin_manager())


def state_rulebook(code: str) -> StateRulebook:
    """The installed rulebook of ``code``; ``KeyError`` when no plugin covers the state."""
    return find_rulebook(states(), code)


def collect_pos_adapters(pm: pluggy.PluginManager) -> dict[str, PosAdapter]:
    """Every POS adapter on ``pm`` by name; a later-registered plugin replaces a built-in."""
    adapters: dict[str, PosAdapter] = {}
    for batch in pm.hook.register_pos_adapters():
        for adapter in batch:
            adapters.setdefault(check_name(adapter.name), adapter)
    return adapters


def collect_delivery_adapters(pm: pluggy.PluginManager) -> dict[str, DeliveryAdapter]:
    """Every delivery-platform adapter on ``pm`` by name (later-registered plugins first)."""
    adapters: dict[str, DeliveryAdapter] = {}
    for batch in pm.hook.register_delivery_adapters():
        for adapter in batch:
            adapters.setdefault(check_name(adapter.name), adapter)
    return adapters


@functools.cache
def pos_adapters() -> dict[str, PosAdapter]:
    return collect_pos_adapters(get_plugin_manager())


@functools.cache
def delivery_adapters() -> dict[str, DeliveryAdapter]:
    return collect_delivery_adapters(get_plugin_manager())
