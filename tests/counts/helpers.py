"""Terse ways to run a count in tests: start, scan, witness, submit, decide."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal

from domain import db
from domain.counts import approval, sessions, submission
from domain.identity.principal import Principal
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow
from tests.support.world import PASSWORD

_keys = itertools.count(1)


async def start(world, who: Role = Role.BUDTENDER, kind: ZoneKind = ZoneKind.SALES_FLOOR) -> int:
    outcome = await sessions.start_count(
        new_uow(),
        world.as_(who),
        sessions.StartCount(world.ca.location_id, zone_ids=[world.ca.zone(kind)]),
    )
    return outcome.value.session_id


def line(tag: str, quantity: str, at: datetime | None = None, **extra) -> sessions.LineInput:
    return sessions.LineInput(f"k{next(_keys)}", tag, Decimal(quantity), counted_at=at, **extra)


async def scan(world, session_id: int, *lines: sessions.LineInput, who: Role = Role.BUDTENDER):
    return await sessions.record_count_lines(
        new_uow(), world.as_(who), sessions.RecordCountLines(session_id, list(lines))
    )


async def witness(world, session_id: int, who: Role = Role.BUDTENDER, by: Role = Role.AUDITOR):
    return await sessions.join_count_as_witness(
        new_uow(),
        world.as_(who),
        sessions.JoinCountAsWitness(session_id, world.as_(by).email, PASSWORD),
    )


async def submit(world, session_id: int, who: Role = Role.BUDTENDER) -> str:
    outcome = await submission.submit_count(
        new_uow(), world.as_(who), submission.SubmitCount(session_id)
    )
    return outcome.value.status


async def approve(principal: Principal, session_id: int, key: str | None = None):
    return await approval.approve_count(
        new_uow(), principal, approval.DecideCount(session_id, "ok", idempotency_key=key)
    )


async def counted_line(session_id: int, tag: str) -> dict:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM count_line WHERE session = $1 AND tag = $2 AND NOT superseded"
            " ORDER BY id DESC LIMIT 1",
            session_id,
            tag,
        )
    assert row is not None
    return dict(row)


async def balance(package_id: int, zone_id: int) -> Decimal:
    async with db.connection() as conn:
        return await conn.fetchval(
            "SELECT coalesce(sum(quantity), 0) FROM stock_balance WHERE package = $1 AND zone = $2",
            package_id,
            zone_id,
        ) or Decimal(0)


async def snapshot() -> tuple:
    """Everything a count may write, to prove a refusal wrote nothing."""
    async with db.connection() as conn:
        return tuple(
            [
                await conn.fetchval(f"SELECT count(*) FROM {table}")
                for table in (
                    "count_session",
                    "count_line",
                    "movement",
                    "state_report",
                    "discrepancy",
                )
            ]
            + [
                await conn.fetchval(
                    "SELECT string_agg(status || coalesce(witness::text, '-') || round, ','"
                    " ORDER BY id) FROM count_session"
                )
            ]
        )
