"""Reviewing diversion flags, listing them, and tuning a location's thresholds.

Why it exists: a flag is a question, not a verdict. A manager acknowledges it (being looked
at), escalates it (to compliance, the owner, or the state), or dismisses it with the reason it
was innocent; the reason stays with the flag for the next inspector. A dismissed flag is closed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain import db, service
from domain.changelog import record as changelog
from domain.diversion.evaluate import thresholds_from
from domain.diversion.model import FlagStatus, Thresholds
from domain.errors import FlagAlreadyDismissed, NotFound, ValidationError
from domain.identity.principal import Principal
from domain.roles import Capability
from domain.unit_of_work import UnitOfWork

MAX_NOTE = 1000
MAX_FLAGS = 500


class Review(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DISMISS = "dismiss"
    ESCALATE = "escalate"


_STATUS = {
    Review.ACKNOWLEDGE: FlagStatus.ACKNOWLEDGED,
    Review.DISMISS: FlagStatus.DISMISSED,
    Review.ESCALATE: FlagStatus.ESCALATED,
}


@dataclass(frozen=True)
class FlagRow:
    id: int
    location_id: int
    rule: str
    severity: str
    summary: str
    subject_user_id: int | None
    movement_ids: tuple[int, ...]
    access_event_ids: tuple[int, ...]
    facts: Mapping[str, Any]
    status: str
    raised_at: datetime
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    review_note: str | None


_COLUMNS = (
    "id, location AS location_id, rule, severity, summary, subject_user AS subject_user_id,"
    " movement_ids, access_event_ids, facts, status, raised_at,"
    " reviewed_by AS reviewed_by_id, reviewed_at, review_note"
)


def _row(r: Any) -> FlagRow:
    data = dict(r)
    data["movement_ids"] = tuple(data["movement_ids"] or ())
    data["access_event_ids"] = tuple(data["access_event_ids"] or ())
    data["facts"] = dict(data["facts"] or {})
    return FlagRow(**data)


async def list_flags(
    principal: Principal,
    location_ids: Sequence[int],
    status: FlagStatus | None = None,
    since: datetime | None = None,
    first: int = 100,
) -> list[FlagRow]:
    """Newest first, at locations the caller may read flags at (all of them, or refused)."""
    for loc in location_ids:
        principal.require(Capability.READ_DIVERSION, loc)
    if not 1 <= first <= MAX_FLAGS:
        raise ValidationError("first", f"between 1 and {MAX_FLAGS}")
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT {_COLUMNS} FROM diversion_flag WHERE location = ANY($1::int[])"
            " AND ($2::text IS NULL OR status = $2)"
            " AND ($3::timestamptz IS NULL OR raised_at >= $3)"
            " ORDER BY raised_at DESC, id DESC LIMIT $4",
            list(location_ids),
            None if status is None else status.value,
            since,
            first,
        )
    return [_row(r) for r in rows]


async def get_flag(principal: Principal, flag_id: int) -> FlagRow:
    async with db.connection() as conn:
        row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM diversion_flag WHERE id = $1", flag_id)
    if row is None or not principal.can(Capability.READ_DIVERSION, row["location_id"]):
        raise NotFound("diversion flag", str(flag_id))
    return _row(row)


@dataclass(frozen=True)
class ReviewFlag:
    flag_id: int
    action: Review
    note: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class FlagReviewed:
    flag_id: int
    status: str


async def review_flag(
    uow: UnitOfWork, principal: Principal, cmd: ReviewFlag
) -> service.Outcome[FlagReviewed]:
    """Acknowledge, escalate or dismiss a flag (dismissing needs the reason it was innocent)."""
    note = (cmd.note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise ValidationError("note", f"at most {MAX_NOTE} characters")
    if cmd.action == Review.DISMISS and note is None:
        raise ValidationError("note", "say why the flag is dismissed")
    async with db.connection() as conn:
        location_id = await conn.fetchval(
            "SELECT location FROM diversion_flag WHERE id = $1", cmd.flag_id
        )
    # A flag at a store the caller has no grant at is not revealed; staff of the store who may
    # not review are told so.
    if location_id is None or not principal.can(Capability.READ, location_id):
        raise NotFound("diversion flag", str(cmd.flag_id))
    principal.require(Capability.REVIEW_DIVERSION, location_id)

    async def work(uow: UnitOfWork) -> FlagReviewed:
        row = await uow.conn.fetchrow(
            "SELECT status, review_note FROM diversion_flag WHERE id = $1 FOR UPDATE",
            cmd.flag_id,
        )
        assert row is not None
        if row["status"] == FlagStatus.DISMISSED:
            raise FlagAlreadyDismissed(cmd.flag_id, row["review_note"] or "")
        status = _STATUS[cmd.action]
        await uow.conn.execute(
            "UPDATE diversion_flag SET status = $2, review_note = coalesce($3, review_note),"
            " reviewed_by = $4, reviewed_at = now() WHERE id = $1",
            cmd.flag_id,
            status.value,
            note,
            principal.user_id,
        )
        return FlagReviewed(cmd.flag_id, status.value)

    return await service.run(uow, principal, "reviewDiversionFlag", cmd, work, FlagReviewed)


@dataclass(frozen=True)
class SetThresholds:
    location_id: int
    # Field name (as in ``Thresholds``) -> value as text; names not given keep their value.
    values: Mapping[str, str]
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ThresholdsSet:
    location_id: int


def _checked(values: Mapping[str, str]) -> dict[str, str]:
    defaults = Thresholds()
    checked = {}
    for name, raw in values.items():
        if name not in Thresholds.names():
            raise ValidationError("values", f"unknown threshold {name!r}")
        kind = type(getattr(defaults, name))
        try:
            value = kind(str(raw).strip())
        except (ValueError, InvalidOperation):
            raise ValidationError(name, f"must be a {kind.__name__.lower()}") from None
        if isinstance(value, Decimal) and not (value.is_finite() and 0 <= value <= 10**9):
            raise ValidationError(name, "must be between 0 and 1000000000")
        top = {"opening_hour": 23, "closing_hour": 23, "open_shift_hours": 24}.get(name, 10**6)
        if isinstance(value, int) and not 0 <= value <= top:
            raise ValidationError(name, "out of range")
        checked[name] = str(value)
    return checked


async def set_thresholds(
    uow: UnitOfWork, principal: Principal, cmd: SetThresholds
) -> service.Outcome[ThresholdsSet]:
    """Tune the rules for one location (a flagship's normal week is not a corner shop's)."""
    values = _checked(cmd.values)
    principal.require(Capability.MANAGE_LOCATION, cmd.location_id)

    async def work(uow: UnitOfWork) -> ThresholdsSet:
        stored = await uow.conn.fetchval(
            "SELECT thresholds FROM diversion_settings WHERE location = $1 FOR UPDATE",
            cmd.location_id,
        )
        before = {name: (stored or {}).get(name) for name in values}
        await uow.conn.execute(
            "INSERT INTO diversion_settings (location, thresholds, updated_by, updated_at)"
            " VALUES ($1, $2::jsonb, $3, now()) ON CONFLICT (location) DO UPDATE SET"
            " thresholds = diversion_settings.thresholds || EXCLUDED.thresholds,"
            " updated_by = EXCLUDED.updated_by, updated_at = now()",
            cmd.location_id,
            values,
            principal.user_id,
        )
        await changelog.change(
            uow,
            principal,
            "setDiversionThresholds",
            "diversion thresholds",
            cmd.location_id,
            location_id=cmd.location_id,
            before=before,
            after=values,
        )
        return ThresholdsSet(cmd.location_id)

    return await service.run(uow, principal, "setDiversionThresholds", cmd, work, ThresholdsSet)


async def thresholds(principal: Principal, location_id: int) -> Thresholds:
    principal.require(Capability.READ_DIVERSION, location_id)
    async with db.connection() as conn:
        stored = await conn.fetchval(
            "SELECT thresholds FROM diversion_settings WHERE location = $1", location_id
        )
    return thresholds_from(stored or {})
