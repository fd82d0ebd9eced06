"""Door and badge events, the badges that name people, and the shifts they work.

Why it exists: the diversion rules need to know who entered the vault and whether they were
meant to be at work. A door system sends what it saw; an event naming a zone or badge we do not
know is still recorded (its references as sent, zone or person left empty) and flagged by the
rules: a refusal would lose exactly the events an inspector cares about. Each event id is kept
once per source, so a door system may re-send a batch after a timeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import service
from domain.diversion.model import AccessDirection
from domain.errors import NotFound, ValidationError
from domain.events import AccessEventsRecorded
from domain.identity.principal import Principal
from domain.inventory import lookup
from domain.roles import Capability
from domain.rows import returned
from domain.text import storable
from domain.unit_of_work import UnitOfWork

MAX_EVENTS = 500
MAX_REF = 100
MAX_EVENT_ID = 200
# A door controller's clock may run a little ahead; further than this is a wrong clock.
FUTURE_SLACK = timedelta(minutes=5)
# Door controllers that lost their clock report 1970 or year 1; nothing that old is an event.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_SHIFT = timedelta(hours=24)


@dataclass(frozen=True)
class AccessEventInput:
    event_id: str
    occurred_at: datetime
    direction: str
    zone: str
    badge: str


@dataclass(frozen=True)
class RecordAccessEvents:
    location_id: int
    source: str
    events: Sequence[AccessEventInput]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class AccessEventsSaved:
    recorded: int
    duplicates: int
    unknown: int
    access_event_ids: list[int]


def _ref(value: str, name: str, limit: int = MAX_REF) -> str:
    text = storable(value.strip())
    if not text:
        raise ValidationError(name, "must not be empty")
    if len(text) > limit:
        raise ValidationError(name, f"at most {limit} characters")
    return text


def _checked(events: Sequence[AccessEventInput], now: datetime) -> list[AccessEventInput]:
    if not events:
        raise ValidationError("events", "send at least one event")
    if len(events) > MAX_EVENTS:
        raise ValidationError("events", f"at most {MAX_EVENTS} events per request")
    checked = []
    for i, e in enumerate(events):
        where = f"events[{i}]"
        if e.occurred_at.tzinfo is None:
            raise ValidationError(f"{where}.occurredAt", "give a timezone")
        if e.occurred_at > now + FUTURE_SLACK:
            raise ValidationError(f"{where}.occurredAt", "is in the future")
        if e.occurred_at < EARLIEST:
            raise ValidationError(f"{where}.occurredAt", "is before 2000")
        try:
            direction = AccessDirection(e.direction.strip().lower())
        except ValueError:
            known = ", ".join(d.value for d in AccessDirection)
            raise ValidationError(f"{where}.direction", f"one of {known}") from None
        checked.append(
            AccessEventInput(
                _ref(e.event_id, f"{where}.eventId", MAX_EVENT_ID),
                e.occurred_at,
                direction.value,
                _ref(e.zone, f"{where}.zone"),
                _ref(e.badge, f"{where}.badge"),
            )
        )
    return checked


_INSERT = """
INSERT INTO access_event (location, source, event_id, occurred_at, direction, zone_ref,
                          badge_ref, zone, "user", recorded_at)
SELECT $1, $2, e.event_id, e.occurred_at, e.direction, e.zone_ref, e.badge_ref, z.id, b."user",
       now()
FROM unnest($3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[])
     AS e(event_id, occurred_at, direction, zone_ref, badge_ref)
LEFT JOIN zone z ON z.location = $1 AND lower(z.name) = lower(e.zone_ref)
LEFT JOIN badge b ON b.location = $1 AND b.code = e.badge_ref
ON CONFLICT (location, source, event_id) DO NOTHING
RETURNING id, zone IS NULL OR "user" IS NULL AS unknown, direction, "user", occurred_at
"""

# A clock-in opens a shift; a clock-out closes the person's latest open one.
_CLOCK_IN = """
INSERT INTO shift (location, "user", starts_at, ends_at, source, created_at)
VALUES ($1, $2, $3, NULL, 'clock', now())
"""
_CLOCK_OUT = """
UPDATE shift SET ends_at = $3
WHERE id = (SELECT id FROM shift WHERE location = $1 AND "user" = $2 AND source = 'clock'
            AND ends_at IS NULL AND starts_at < $3 ORDER BY starts_at DESC LIMIT 1)
"""


async def record_access_events(
    uow: UnitOfWork, principal: Principal, cmd: RecordAccessEvents
) -> service.Outcome[AccessEventsSaved]:
    """Record a door system's events (each event id once per source); clock events open and
    close shifts; the diversion job evaluates the new events after commit."""
    source = _ref(cmd.source, "source")
    events = _checked(cmd.events, datetime.now(UTC))
    principal.require(Capability.POST_ACCESS_EVENTS, cmd.location_id)

    async def work(uow: UnitOfWork) -> AccessEventsSaved:
        rows = await uow.conn.fetch(
            _INSERT,
            cmd.location_id,
            source,
            [e.event_id for e in events],
            [e.occurred_at for e in events],
            [e.direction for e in events],
            [e.zone for e in events],
            [e.badge for e in events],
        )
        for row in sorted(rows, key=lambda r: r["occurred_at"]):
            if row["user"] is None:
                continue
            if row["direction"] == AccessDirection.CLOCK_IN:
                await uow.conn.execute(_CLOCK_IN, cmd.location_id, row["user"], row["occurred_at"])
            elif row["direction"] == AccessDirection.CLOCK_OUT:
                await uow.conn.execute(_CLOCK_OUT, cmd.location_id, row["user"], row["occurred_at"])
        if rows:
            uow.record(AccessEventsRecorded(location_id=cmd.location_id, count=len(rows)))
        return AccessEventsSaved(
            recorded=len(rows),
            duplicates=len(events) - len(rows),
            unknown=sum(1 for r in rows if r["unknown"]),
            access_event_ids=sorted(r["id"] for r in rows),
        )

    return await service.run(uow, principal, "recordAccessEvents", cmd, work, AccessEventsSaved)


@dataclass(frozen=True)
class AssignBadge:
    location_id: int
    code: str
    user_id: int
    idempotency_key: str | None = None


@dataclass(frozen=True)
class BadgeAssigned:
    badge_id: int


async def assign_badge(
    uow: UnitOfWork, principal: Principal, cmd: AssignBadge
) -> service.Outcome[BadgeAssigned]:
    """Map a door system's badge to the person carrying it (re-assigning moves it)."""
    code = _ref(cmd.code, "code")
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    await _staff(cmd.location_id, cmd.user_id)

    async def work(uow: UnitOfWork) -> BadgeAssigned:
        badge_id = await uow.conn.fetchval(
            'INSERT INTO badge (location, code, "user", created_at) VALUES ($1, $2, $3, now())'
            ' ON CONFLICT (location, code) DO UPDATE SET "user" = EXCLUDED."user"'
            " RETURNING id",
            cmd.location_id,
            code,
            cmd.user_id,
        )
        return BadgeAssigned(returned(badge_id, "badge id"))

    return await service.run(uow, principal, "assignBadge", cmd, work, BadgeAssigned)


@dataclass(frozen=True)
class ScheduleShift:
    location_id: int
    user_id: int
    starts_at: datetime
    ends_at: datetime
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ShiftScheduled:
    shift_id: int


async def schedule_shift(
    uow: UnitOfWork, principal: Principal, cmd: ScheduleShift
) -> service.Outcome[ShiftScheduled]:
    """Put a shift on a person's schedule: inside it, their vault access is expected."""
    if cmd.starts_at.tzinfo is None or cmd.ends_at.tzinfo is None:
        raise ValidationError("startsAt", "give a timezone")
    if (
        not EARLIEST
        <= cmd.starts_at
        < cmd.ends_at
        <= cmd.starts_at + min(MAX_SHIFT, datetime.max.replace(tzinfo=UTC) - cmd.starts_at)
    ):
        raise ValidationError("endsAt", "must be after the start (2000 or later), within 24 hours")
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)
    await _staff(cmd.location_id, cmd.user_id)

    async def work(uow: UnitOfWork) -> ShiftScheduled:
        shift_id = await uow.conn.fetchval(
            'INSERT INTO shift (location, "user", starts_at, ends_at, source, created_at)'
            " VALUES ($1, $2, $3, $4, 'schedule', now()) RETURNING id",
            cmd.location_id,
            cmd.user_id,
            cmd.starts_at,
            cmd.ends_at,
        )
        return ShiftScheduled(returned(shift_id, "shift id"))

    return await service.run(uow, principal, "scheduleShift", cmd, work, ShiftScheduled)


async def _staff(location_id: int, user_id: int) -> None:
    try:
        await lookup.witness(location_id, user_id)
    except NotFound:
        raise NotFound("user", str(user_id)) from None
