"""Samples at the test store: terse calls, and a state whose rules allow trade and employee
samples (the built-in states leave them unconfirmed, so refused)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from decimal import Decimal

from domain import db
from domain.limits import Mark
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.samples import services
from domain.samples.model import SampleKind
from plugins import registry
from plugins.states.base import Fact, SampleRules
from tests.support.units import new_uow

GENEROUS = SampleRules(
    trade_samples=Fact(True, Mark.CONFIRMED, "test rulebook"),
    employee_samples=Fact(True, Mark.CONFIRMED, "test rulebook"),
    employee_grams_per_month=Fact(Decimal(3), Mark.CONFIRMED, "test rulebook"),
)


@contextlib.contextmanager
def state_rules(code: str, rules: SampleRules) -> Iterator[None]:
    """Install a registry whose ``code`` rulebook has these sample rules, as an operator's
    plugin overriding the built-in would."""
    base = registry.current()
    book = dataclasses.replace(base.state_rulebook(code), samples=rules)
    previous = registry.install(dataclasses.replace(base, states={**base.states, code: book}))
    try:
        yield
    finally:
        registry.install(previous)


async def take(
    world,
    grams: str,
    *,
    kind: SampleKind = SampleKind.DISPLAY,
    zone: ZoneKind = ZoneKind.VAULT,
    role: Role = Role.INVENTORY_LEAD,
    tag: str | None = None,
    **extra,
):
    return await services.take_sample(
        new_uow(),
        world.as_(role),
        services.TakeSample(
            world.ca.location_id,
            tag or world.tag,
            world.ca.zone(zone),
            Decimal(grams),
            kind=kind,
            **extra,
        ),
    )


async def counts() -> tuple[int, int, int]:
    """Samples, movements and state reports written so far."""
    async with db.connection() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM sample"),
            await conn.fetchval("SELECT count(*) FROM movement"),
            await conn.fetchval("SELECT count(*) FROM state_report"),
        )
