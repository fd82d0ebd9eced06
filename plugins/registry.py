"""The plugin manager factory, the ``Registry`` of what it provides (state systems, state
rulebooks, POS and delivery adapters), and module-level lookups for tests and scripts.

``api.bootstrap`` builds one ``Registry`` per process from its plugin manager; the domain reads it
only through the unit of work it is handed (``uow.registry``), so an adapter given to
``create_app(plugin_manager=)`` is the one every service sees. Bootstrap also installs it here,
so tests and scripts that build their own units (``current()``) see the same one; without an
installed registry the lookups build one from the installed plugins on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

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


def collect_states(pm: pluggy.PluginManager) -> dict[str, StateRulebook]:
    """Every state's rulebook on ``pm`` by code; a later-registered plugin replaces a built-in."""
    rulebooks: dict[str, StateRulebook] = {}
    for batch in pm.hook.register_states():
        for rulebook in batch:
            if not isinstance(rulebook, StateRulebook):
                raise TypeError(f"register_states returned {rulebook!r}, not a StateRulebook")
            rulebooks.setdefault(rulebook.code, rulebook)
    return rulebooks


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


@dataclass(frozen=True)
class Registry:
    """Everything one plugin manager provides, collected once (a misbehaving plugin fails here,
    at start-up)."""

    state_systems: Mapping[str, StateSystem]
    states: Mapping[str, StateRulebook]
    pos_adapters: Mapping[str, PosAdapter]
    delivery_adapters: Mapping[str, DeliveryAdapter]

    @classmethod
    def from_manager(cls, pm: pluggy.PluginManager) -> Registry:
        return cls(
            state_systems=collect_state_systems(pm),
            states=collect_states(pm),
            pos_adapters=collect_pos_adapters(pm),
            delivery_adapters=collect_delivery_adapters(pm),
        )

    def state_system(self, name: str) -> StateSystem:
        try:
            return self.state_systems[name]
        except KeyError:
            raise LookupError(f"no state system named {name!r} is installed") from None

    def state_rulebook(self, code: str) -> StateRulebook:
        """The rulebook of ``code``; ``KeyError`` when no plugin covers the state."""
        return find_rulebook(self.states, code)


@functools.cache
def from_installed_plugins() -> Registry:
    """The built-ins and every installed package's plugins (entry points are scanned once per
    process; ``cache_clear()`` after installing a package)."""
    return Registry.from_manager(get_plugin_manager())


_installed: Registry | None = None


def install(registry: Registry | None) -> Registry | None:
    """Make ``registry`` the one the lookups below read (``None``: back to the installed
    plugins); returns the one it replaces."""
    global _installed
    previous, _installed = _installed, registry
    return previous


def installed() -> Registry | None:
    """The registry bootstrap installed, if any (tests restore it after building their own)."""
    return _installed


def current() -> Registry:
    """The registry bootstrap installed, else the installed plugins'."""
    return _installed if _installed is not None else from_installed_plugins()


def state_systems() -> Mapping[str, StateSystem]:
    return current().state_systems


def state_system(name: str) -> StateSystem:
    return current().state_system(name)


def states() -> Mapping[str, StateRulebook]:
    return current().states


def state_rulebook(code: str) -> StateRulebook:
    """The installed rulebook of ``code``; ``KeyError`` when no plugin covers the state."""
    return current().state_rulebook(code)


def pos_adapters() -> Mapping[str, PosAdapter]:
    return current().pos_adapters


def delivery_adapters() -> Mapping[str, DeliveryAdapter]:
    return current().delivery_adapters
