"""Units of work for tests that call services and jobs directly (the API's come from
``api.bootstrap``), and the publisher those units hand committed events to."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from domain.events import Event, Publisher
from domain.unit_of_work import UnitOfWork, UnitOfWorkFactory, discard
from plugins import registry

_publisher: Publisher = discard


async def _test_publisher(pending: Sequence[Event]) -> None:
    # Read when the unit commits, so a unit made before ``publishing`` still reaches it.
    await _publisher(pending)


@contextlib.contextmanager
def publishing(publisher: Publisher) -> Iterator[None]:
    """Hand the events of units from ``new_uow``/``job_ctx`` to ``publisher`` (a capture list,
    the ``api`` fixture's broadcaster) while the block runs."""
    global _publisher
    previous, _publisher = _publisher, publisher
    try:
        yield
    finally:
        _publisher = previous


def new_uow(publisher: Publisher | None = None) -> UnitOfWork:
    """A unit with the installed plugins and ``publisher`` (default: the test's, see above)."""
    return UnitOfWork(registry.current(), publisher or _test_publisher)


def job_ctx() -> dict[str, Any]:
    """What arq hands a job in the worker: here, units with the installed plugins."""
    return {"units": UnitOfWorkFactory(registry.current(), _test_publisher)}
