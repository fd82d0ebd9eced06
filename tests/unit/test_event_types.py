"""Every event type reaches someone, on the wire and back, and the jobs events start exist.

A topic or job name is spelled once (the event class, the job function), so a misspelling is an
import error; these tests catch the rest: an event type nobody serialises, reads or kicks a job
for, and a kicked job the worker would not run.
"""

from __future__ import annotations

import asyncio
import json
import typing
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from arq import func

import api.schema  # noqa: F401  (declares the subscriptions' feeds)
from api.live.feeds import SUBSCRIBED
from domain import events
from domain.broadcast import Broadcaster
from domain.sales.model import ReservationStatus
from workers import kick
from workers.settings import WorkerSettings


def _every_subclass(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_every_subclass(sub)}
    return found


def _example(cls: type[events.Event]) -> events.Event:
    """An event of ``cls`` with every field set, to a value of its declared type."""
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for n, f in enumerate(fields(cls)):
        hint = hints[f.name]
        if typing.get_origin(hint) is not None:  # X | None: the X
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if hint is int:
            values[f.name] = 7 + n
        elif hint is str:
            values[f.name] = f"text {n}"
        elif hint is Decimal:
            values[f.name] = Decimal("3.500")
        elif hint is datetime:
            values[f.name] = datetime(2026, 12, 1, 12, 30, 15, 250_000, tzinfo=UTC)
        else:  # a StrEnum
            values[f.name] = list(hint)[-1]
    return cls(**values)


def test_every_event_class_is_in_the_wire_table():
    # By name: dataclass(slots=True) leaves the class it replaced among the subclasses.
    def names(classes):
        return {(c.__module__, c.__qualname__) for c in classes}

    defined = [c for c in _every_subclass(events.Event) if not c.__module__.startswith("tests.")]
    assert names(defined) == names(events.EVENT_TYPES)


@pytest.mark.parametrize("cls", events.EVENT_TYPES, ids=lambda c: c.__name__)
def test_every_event_crosses_the_wire_unchanged(cls):
    event = _example(cls)
    assert events.from_dict(json.loads(json.dumps(event.as_dict()))) == event


def test_the_wire_format_is_the_one_subscribers_and_the_bench_read():
    held = events.ReservationUpdated(
        location_id=3,
        reservation_id=41,
        status=ReservationStatus.HELD,
        expires_at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    )
    assert json.loads(json.dumps(held.as_dict())) == {
        "topic": "reservation",
        "location_id": 3,
        "data": {
            "reservation_id": 41,
            "status": "held",
            "expires_at": "2026-12-01T12:00:00+00:00",
        },
    }
    # A field left unset is left off the wire, as before the types.
    expired = events.ReservationUpdated(
        location_id=3, reservation_id=41, status=ReservationStatus.EXPIRED
    )
    assert expired.as_dict()["data"] == {"reservation_id": 41, "status": "expired"}
    low = events.FloorStockLow(
        location_id=1, product_id=5, floor_quantity=Decimal("9.000"), threshold=Decimal("10")
    )
    assert low.as_dict()["data"] == {"product_id": 5, "floor_quantity": "9.000", "threshold": "10"}


@pytest.mark.parametrize(
    "message",
    [
        {"topic": "stok", "location_id": 1, "data": {}},  # a misspelt topic
        {"topic": "sale", "location_id": 1, "data": {}},  # a field missing
        {
            "topic": "low_stock",
            "location_id": 1,
            "data": {"product_id": 1, "floor_quantity": "x", "threshold": "1"},
        },
        {
            "topic": "reservation",
            "location_id": 1,
            "data": {"reservation_id": 1, "status": "lost"},
        },  # not a status
        ["not", "an", "object"],
    ],
)
def test_a_message_that_is_not_a_known_event_is_refused(message):
    with pytest.raises(events.MalformedEvent):
        events.from_dict(message)  # type: ignore[arg-type]


def test_a_malformed_message_on_the_channel_reaches_no_display():
    broadcaster = Broadcaster("redis://127.0.0.1:6379/12")
    good = events.SaleUpdated(location_id=1, sale_id=9)
    received = []
    broadcaster._queues[1].add(queue := asyncio.Queue())
    for body in (b'{"topic": "stok", "location_id": 1}', json.dumps(good.as_dict()).encode()):
        broadcaster._dispatch(f"{broadcaster.prefix}1".encode(), body)
    while not queue.empty():
        received.append(queue.get_nowait().event)
    assert received == [good]


def test_two_event_types_cannot_share_a_topic(monkeypatch):
    @dataclass(frozen=True, slots=True, kw_only=True)
    class SaleAgain(events.Event):
        topic: ClassVar[str] = "sale"

    monkeypatch.setattr(events, "EVENT_TYPES", (*events.EVENT_TYPES, SaleAgain))
    with pytest.raises(TypeError, match="share a topic"):
        events._tables()


def test_every_event_type_has_a_subscriber_or_a_job_or_is_declared_unsubscribed():
    read = SUBSCRIBED | set(kick.KICKS)
    assert not events.UNSUBSCRIBED & read, "declared unsubscribed but read"
    assert set(events.EVENT_TYPES) - read - events.UNSUBSCRIBED == set()


def test_the_worker_runs_every_job_an_event_kicks_under_the_name_kicks_use():
    registered = {f.name: f.coroutine for f in map(func, WorkerSettings.functions)}
    for job, _plan in kick.KICKS.values():
        assert registered.get(kick.job_name(job)) is job


def test_a_worker_without_a_kicked_job_refuses_to_start():
    without_webhooks = [f for f in WorkerSettings.functions if func(f).name != "deliver_webhooks"]
    with pytest.raises(RuntimeError, match="deliver_webhooks"):
        kick.require_registered(without_webhooks)
