"""The unit of work a service is handed: one transaction, its events, and the plugins.

A service receives a ``UnitOfWork`` and opens it with ``async with uow:``. Inside, ``uow.conn`` is
the transaction's connection (the per-context query and repository functions take it, or find it
through ``db.connection()``), ``uow.registry`` is the process's plugin registry (state systems,
state rulebooks, POS and delivery adapters) and ``uow.record(event)`` queues a typed event. The
events go to the unit's publisher only after COMMIT, and are dropped on rollback, so live floor
displays never show stock a rolled-back transaction did not move.

A service that calls another hands it the same unit: entering an open unit again (or opening a
second unit while one is open in this task) joins its transaction and its events, so the whole
operation commits, or rolls back, once.

``api.bootstrap`` builds the ``UnitOfWorkFactory`` (the registry and the publisher) once per
process; resolvers and jobs take units from it. ``domain`` never imports the built-in plugins:
it sees them only through the ``PluginRegistry`` shape below.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

import asyncpg
from piccolo.engine.postgres import PostgresTransaction

from domain import db
from domain.events import Event, Publisher

if TYPE_CHECKING:
    from plugins.base import StateSystem
    from plugins.integrations import DeliveryAdapter, PosAdapter
    from plugins.states.base import StateRulebook

log = logging.getLogger(__name__)


class PluginRegistry(Protocol):
    """What the domain reads from the plugins (``plugins.registry.Registry`` is one)."""

    @property
    def state_systems(self) -> Mapping[str, StateSystem]: ...
    @property
    def states(self) -> Mapping[str, StateRulebook]: ...
    @property
    def pos_adapters(self) -> Mapping[str, PosAdapter]: ...
    @property
    def delivery_adapters(self) -> Mapping[str, DeliveryAdapter]: ...
    def state_system(self, name: str) -> StateSystem: ...
    def state_rulebook(self, code: str) -> StateRulebook: ...


async def discard(pending: Sequence[Event]) -> None:
    """A publisher for processes that announce nothing (scripts, pure tests)."""


_open: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar(
    "leafledger_unit_of_work", default=None
)


def current() -> UnitOfWork | None:
    """The unit open in this task, if any (the ledger and other shared steps join it)."""
    return _open.get()


class UnitOfWork:
    """One transaction, the events it records, and the plugin registry; see the module text."""

    def __init__(self, registry: PluginRegistry, publisher: Publisher = discard) -> None:
        self.registry = registry
        self.publisher = publisher
        self._depth = 0
        self._root: UnitOfWork | None = None
        self._conn: asyncpg.Connection | None = None
        self._pending: list[Event] = []
        self._transaction: (
            contextlib.AbstractAsyncContextManager[PostgresTransaction, None] | None
        ) = None
        self._token: contextvars.Token[UnitOfWork | None] | None = None

    @property
    def is_open(self) -> bool:
        """Whether the unit is open (a write that must share its transaction checks this)."""
        return (self._root or self)._depth > 0

    @property
    def conn(self) -> asyncpg.Connection:
        """The transaction's connection; only while the unit is open."""
        root = self._root or self
        if root._conn is None:
            raise RuntimeError("the unit of work is not open")
        return root._conn

    def record(self, event: Event) -> None:
        """Queue ``event`` for publication when the unit commits."""
        root = self._root or self
        if root._depth == 0:
            raise RuntimeError("events can only be recorded inside an open unit of work")
        root._pending.append(event)

    async def __aenter__(self) -> UnitOfWork:
        if self._depth:  # a nested service was handed this open unit: it joins
            self._depth += 1
            return self
        outer = _open.get()
        if outer is not None:  # another unit is open in this task: join its transaction
            self._root = outer
            self._depth = 1
            return self
        transaction = db.transaction()
        await transaction.__aenter__()
        self._transaction = transaction
        self._conn = db.current_connection()
        self._pending = []
        # A unit opened inside this one (and db.connection()) finds this transaction.
        self._token = _open.set(self)
        self._depth = 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth:
            return
        if self._root is not None:
            self._root = None
            return
        assert self._token is not None
        assert self._transaction is not None
        token, transaction = self._token, self._transaction
        self._token = self._transaction = None
        _open.reset(token)
        self._conn = None
        pending, self._pending = self._pending, []
        # Commits, or rolls back when the block raised (piccolo re-raises the block's error).
        await transaction.__aexit__(exc_type, exc, tb)
        if exc_type is None and pending:
            try:
                await self.publisher(pending)
            except Exception:  # a dead Redis must not turn a committed change into an error
                log.exception("publishing %d events failed after commit", len(pending))


@dataclass(frozen=True)
class UnitOfWorkFactory:
    """Makes the units of one process (``api.bootstrap`` builds it: registry, publisher)."""

    registry: PluginRegistry
    publisher: Publisher = discard

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.registry, self.publisher)
