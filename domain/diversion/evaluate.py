"""Running the diversion rules over the ledger and the access log, and saving what they find.

Two ways in, one set of rules: ``evaluate_new`` reads what arrived since the location's cursor
(the worker runs it as movements and access events are committed), ``sweep`` reads a whole
period (the nightly cron, and after a lost kick). Both save a flag once per (location, rule,
evidence key): running either twice, or both over the same rows, raises nothing new. Per-event
rules read the rows in id-ordered chunks, so a year's sweep holds one chunk at a time; the
per-person and per-week rules read the database's aggregates (a partial index keeps those to
the write-offs, voids and returns).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from domain.diversion import evaluate_sql as sql
from domain.diversion import rules
from domain.diversion.model import (
    AccessFact,
    ActorWeek,
    FlagDraft,
    Mismatch,
    MovementFact,
    ShiftSpan,
    Thresholds,
    UsageWeek,
)
from domain.events import DiversionFlagRaised
from domain.unit_of_work import UnitOfWork, UnitOfWorkFactory

CHUNK = 20_000
# Write-off reasons that are known, recorded usage (samples and waste), compared week on week.
USAGE_REASONS = ("sample", "packaging_waste", "damage", "expired", "destruction")
# Not counted by the person-against-peers write-off rule: routine work with its own workflow
# (samples, lab, packaging: the usage rule watches their volume) and count corrections (the
# counter rule watches those).
ROUTINE_REASONS = ("sample", "qa_testing", "packaging_waste", "count_correction")

FAR_PAST = datetime(1970, 1, 1).astimezone()
FAR_FUTURE = datetime(9999, 1, 1).astimezone()


@dataclasses.dataclass
class Tally:
    """What one evaluation read and raised."""

    # Rows read by the per-event rules (the sweep reads only the candidates).
    movements: int = 0
    access_events: int = 0
    raised: int = 0

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


async def _no_jit(conn: asyncpg.Connection) -> None:
    """PostgreSQL's JIT compiles for seconds whenever a plan over a year of movements looks
    expensive, for queries that run in milliseconds: never worth it here."""
    await conn.execute("SET LOCAL jit = off")


async def settings_of(conn: asyncpg.Connection, location_id: int) -> tuple[Thresholds, ZoneInfo]:
    row = await conn.fetchrow(
        "SELECT l.timezone, s.thresholds FROM location l"
        " LEFT JOIN diversion_settings s ON s.location = l.id WHERE l.id = $1",
        location_id,
    )
    if row is None:
        raise LookupError(f"location {location_id} does not exist")
    return thresholds_from(row["thresholds"] or {}), ZoneInfo(row["timezone"])


def thresholds_from(stored: dict[str, Any]) -> Thresholds:
    """Stored values (text) over the defaults; a name no longer known is ignored."""
    defaults = Thresholds()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Thresholds):
        if f.name in stored:
            values[f.name] = type(getattr(defaults, f.name))(stored[f.name])
    return dataclasses.replace(defaults, **values)


def _movement(r: asyncpg.Record) -> MovementFact:
    return MovementFact(
        r["id"],
        r["package"],
        r["kind"],
        r["quantity"],
        r["out"],
        r["reason"],
        r["actor"],
        r["occurred_at"],
        r["grams"],
        r["value"] if r["value"] is not None else Decimal(0),
    )


def _access(r: asyncpg.Record) -> AccessFact:
    return AccessFact(
        r["id"],
        r["occurred_at"],
        r["direction"],
        r["zone"],
        r["zone_kind"],
        r["zone_ref"],
        r["badge_ref"],
        r["user"],
    )


async def _shifts(
    conn: asyncpg.Connection, location_id: int, start: datetime, end: datetime, t: Thresholds
) -> list[ShiftSpan]:
    rows = await conn.fetch(sql.SHIFTS, location_id, start, end, t.open_shift_hours)
    return [ShiftSpan(r["user"], r["starts_at"], r["ends_at"]) for r in rows]


async def _week_flags(
    conn: asyncpg.Connection,
    location_id: int,
    weeks: Sequence[date],
    tz: ZoneInfo,
    t: Thresholds,
) -> list[FlagDraft]:
    """The per-person and usage rules for ``weeks`` (Mondays, local)."""
    if not weeks:
        return []
    first, last = min(weeks), max(weeks)

    def at(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=tz)

    start, end = at(first), at(last + timedelta(days=7))
    people: dict[date, list[ActorWeek]] = {}
    for r in await conn.fetch(sql.PEOPLE, location_id, start, end, tz.key, list(ROUTINE_REASONS)):
        people.setdefault(r["week"], []).append(
            ActorWeek(
                r["actor"],
                r["adjustments"],
                tuple(r["adjustment_ids"] or ()),
                r["voids"],
                tuple(r["void_ids"] or ()),
                r["corrections"],
                tuple(r["correction_ids"] or ()),
            )
        )
    history_start = at(first - timedelta(days=7 * t.usual_weeks))
    rows = await conn.fetch(sql.USAGE, location_id, history_start, end, tz.key, list(USAGE_REASONS))
    usage = {r["week"]: UsageWeek(r["week"], r["value"], tuple(r["ids"])) for r in rows}
    # The usual week counts from the first write-off, void or return: a new store's empty
    # weeks before opening are not its usual. (Read with the usage rows; with none, no week
    # below has a current usage to judge.)
    opened = rows[0]["opened"] if rows else None
    found: list[FlagDraft] = []
    for week in sorted(set(weeks)):
        found += rules.peer_flags(week, people.get(week, []), t)
        before = [week - timedelta(days=7 * i) for i in range(1, t.usual_weeks + 1)]
        if opened is not None:
            before = [w for w in before if w >= rules.week_of(opened, tz)]
        usual = [usage[w].value if w in usage else Decimal(0) for w in before]
        current = usage.get(week)
        if current is not None:
            found += rules.usage_flags(current, usual, t)
    return found


async def _mismatch_flags(conn: asyncpg.Connection, location_id: int) -> list[FlagDraft]:
    rows = await conn.fetch(sql.MISMATCHES, location_id)
    return rules.mismatch_flags(
        Mismatch(
            r["id"],
            r["tag"],
            r["kind"],
            r["our_quantity"],
            r["state_quantity"],
            tuple(r["movement_ids"]),
        )
        for r in rows
    )


async def save(uow: UnitOfWork, location_id: int, drafts: Sequence[FlagDraft]) -> int:
    """Insert the flags not raised before; announce each new one after commit."""
    if not drafts:
        return 0
    flags = [
        {
            "rule": d.rule.value,
            "severity": d.severity.value,
            "evidence_key": d.evidence_key,
            "summary": d.summary,
            "subject_user": d.subject_user_id,
            "movement_ids": list(d.movement_ids),
            "access_event_ids": list(d.access_event_ids),
            "facts": d.facts,
        }
        for d in drafts
    ]
    rows = await uow.conn.fetch(sql.SAVE, location_id, flags)
    for r in rows:
        uow.record(
            DiversionFlagRaised(
                location_id=location_id, flag_id=r["id"], rule=r["rule"], severity=r["severity"]
            )
        )
    return len(rows)


async def evaluate_new(
    units: UnitOfWorkFactory, location_id: int, *, mismatches: bool = False
) -> Tally:
    """Evaluate what arrived since the location's cursor, then move the cursor, in one
    transaction (the cursor row's lock makes concurrent runs for a location take turns)."""
    tally = Tally()
    async with units() as uow:
        await _no_jit(uow.conn)
        conn = uow.conn
        # The upsert takes the cursor row's lock: a concurrent run waits here, then reads on.
        # One round trip: the lock, the cursor and the location's settings.
        cursor = await conn.fetchrow(sql.CURSOR, location_id)
        if cursor is None:
            raise LookupError(f"location {location_id} does not exist")
        t, tz = thresholds_from(cursor["thresholds"] or {}), ZoneInfo(cursor["timezone"])
        rows = await conn.fetch(
            sql.MOVEMENTS, location_id, cursor["last_movement"], FAR_PAST, FAR_FUTURE, CHUNK
        )
        moves = [_movement(r) for r in rows]
        seen = await conn.fetch(
            sql.ACCESS, location_id, cursor["last_access_event"], FAR_PAST, FAR_FUTURE, CHUNK
        )
        events = [_access(r) for r in seen]
        drafts = rules.movement_flags(moves, tz, t)
        if events:
            start = min(e.occurred_at for e in events)
            end = max(e.occurred_at for e in events)
            shifts = await _shifts(conn, location_id, start, end + timedelta(seconds=1), t)
            drafts += rules.access_flags(events, shifts)
        weeks = {
            rules.week_of(m.occurred_at, tz)
            for m in moves
            if m.kind in ("adjust", "void", "return", "destroy")
        }
        drafts += await _week_flags(conn, location_id, sorted(weeks), tz, t)
        if mismatches:  # reconciliation runs find those, not movements: the catch-up cron asks
            drafts += await _mismatch_flags(conn, location_id)
        tally.raised = await save(uow, location_id, drafts)
        tally.movements, tally.access_events = len(moves), len(events)
        await conn.execute(
            "UPDATE diversion_cursor SET last_movement = $2, last_access_event = $3,"
            " evaluated_at = now(), runs = runs + 1 WHERE location = $1",
            location_id,
            max((m.id for m in moves), default=cursor["last_movement"]),
            max((e.id for e in events), default=cursor["last_access_event"]),
        )
    if tally.movements == CHUNK or tally.access_events == CHUNK:
        more = await evaluate_new(units, location_id)  # a backlog: the next chunk
        tally.movements += more.movements
        tally.access_events += more.access_events
        tally.raised += more.raised
    return tally


async def sweep(
    units: UnitOfWorkFactory, location_id: int, start: datetime, end: datetime
) -> Tally:
    """Every rule over [start, end): the nightly safety net and the full re-evaluation."""
    tally = Tally()
    async with units() as uow:
        t, tz = await settings_of(uow.conn, location_id)
    open_hours = [h for h in range(24) if not rules.outside_hours(h, t)]
    after = 0
    while True:  # candidate movements, a chunk (and a transaction) at a time
        async with units() as uow:
            await _no_jit(uow.conn)
            rows = await uow.conn.fetch(
                sql.CANDIDATES, location_id, after, start, end, CHUNK, open_hours, tz.key
            )
            moves = [_movement(r) for r in rows]
            tally.raised += await save(uow, location_id, rules.movement_flags(moves, tz, t))
        tally.movements += len(moves)
        if len(rows) < CHUNK:
            break
        after = moves[-1].id
    after = 0
    while True:
        async with units() as uow:
            await _no_jit(uow.conn)
            seen = await uow.conn.fetch(
                sql.ACCESS_CANDIDATES, location_id, after, start, end, CHUNK
            )
            events = [_access(r) for r in seen]
            drafts: list[FlagDraft] = []
            if events:
                first = min(e.occurred_at for e in events)
                last = max(e.occurred_at for e in events)
                shifts = await _shifts(uow.conn, location_id, first, last + timedelta(seconds=1), t)
                drafts = rules.access_flags(events, shifts)
            tally.raised += await save(uow, location_id, drafts)
        tally.access_events += len(events)
        if len(seen) < CHUNK:
            break
        after = events[-1].id
    weeks, week = [], rules.week_of(start, tz)
    while datetime(week.year, week.month, week.day, tzinfo=tz) < end:
        weeks.append(week)
        week += timedelta(days=7)
    async with units() as uow:
        await _no_jit(uow.conn)
        drafts = await _week_flags(uow.conn, location_id, weeks, tz, t)
        drafts += await _mismatch_flags(uow.conn, location_id)
        tally.raised += await save(uow, location_id, drafts)
    return tally


async def locations(units: UnitOfWorkFactory) -> list[int]:
    async with units() as uow:
        return [r["id"] for r in await uow.conn.fetch("SELECT id FROM location ORDER BY id")]
