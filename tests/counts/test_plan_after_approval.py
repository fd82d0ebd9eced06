"""The plan follows the counts: an approved count takes its packages off the due list, shows
their lastCountedAt, and enters the accuracy history; an unapproved one changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain import db
from domain.counts import accuracy, plan_queries
from domain.organisation.model import ZoneKind
from domain.roles import Role
from plugins import registry
from tests.counts.helpers import approve, line, scan, start, submit, witness
from tests.sales.helpers import floor_package

PACKAGE = """
query($loc: ID!, $tag: String!) { package(locationId: $loc, tag: $tag) { lastCountedAt } }
"""


async def _due_floor(world) -> tuple[set[int], int]:
    due = await plan_queries.counts_due(registry.current(), world.ca.location_id, first=500)
    floor = world.ca.zone(ZoneKind.SALES_FLOOR)
    listed = {p.package_id for p in due.packages if p.zone_id == floor}
    overdue = sum(g.overdue for g in due.groups if g.zone_id == floor)
    return listed, overdue


async def test_the_due_list_and_accuracy_move_after_an_approved_count(api, world):
    exact_tag, exact = await floor_package(world, "10")
    short_tag, short = await floor_package(world, "10")
    async with db.connection() as conn:
        await conn.execute("UPDATE package SET created_at = now() - $1::interval", timedelta(120))
    assert await _due_floor(world) == ({exact, short}, 2)

    session_id = await start(world)
    await witness(world, session_id)
    await scan(world, session_id, line(exact_tag, "10"), line(short_tag, "9.5"))
    assert await submit(world, session_id) == "submitted"
    # Submitted is not approved: the books have not accepted the count yet.
    assert await _due_floor(world) == ({exact, short}, 2)

    await approve(world.as_(Role.MANAGER), session_id)

    assert await _due_floor(world) == (set(), 0)
    token = world.ca.token(Role.INVENTORY_LEAD)
    shown = await api(PACKAGE, {"loc": str(world.ca.location_id), "tag": short_tag}, token)
    assert shown["data"]["package"]["lastCountedAt"] is not None
    [week] = await accuracy.count_accuracy(world.ca.location_id)
    assert (week.counted, week.exact, week.share) == (2, 1, Decimal("0.5"))
    assert [(t.name, t.share) for t in week.by_zone] == [("Sales Floor", Decimal("0.5"))]
    assert [(t.name, t.share) for t in week.by_counter] == [("Budtender", Decimal("0.5"))]
    plan = await plan_queries.count_plan(registry.current(), world.ca.location_id)
    assert plan.basis.last_approved_count_at is not None
