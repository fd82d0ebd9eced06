"""A manager's count plan on real PostgreSQL: classes from the store's own stock and sales, the
state's minimum over a laxer plan, and the quiet hours in the store's time zone."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain import db
from domain.counts import plan_policy, plan_queries
from domain.counts.abc import AbcClass
from domain.counts.plan_rules import Source
from domain.limits import Mark
from domain.roles import Role
from domain.sales import sales
from plugins import registry
from plugins.states.base import CountRules, Fact
from tests.sales.helpers import age_sales, floor_package, sale
from tests.support.units import new_uow
from tests.support.world import build_store


async def _sell(world, tag: str, grams: str, customer: str) -> None:
    await sales.record_sale(
        new_uow(), world.as_(Role.BUDTENDER), sale(world, (tag, grams), customer=customer)
    )


async def test_classes_come_from_value_on_hand_and_units_sold_in_the_window(world):
    # The world's own package: 10 g in the vault of product "FL-OG-3.5".
    big_tag, big = await floor_package(world, "200")
    _mid_tag, mid = await floor_package(world, "40")
    slow_tag, slow = await floor_package(world, "21")
    fast_tag, fast = await floor_package(world, "25")
    # A big sale of `slow` long ago: outside the 90-day window, it does not make it fast.
    await _sell(world, slow_tag, "10", "old-customer")
    await age_sales(100)
    for i in range(3):
        await _sell(world, fast_tag, "5", f"customer-{i}")
    await _sell(world, big_tag, "1", "customer-x")

    plan = await plan_queries.count_plan(registry.current(), world.ca.location_id)

    by_product = {p.product_id: p for p in plan.products}

    async with db.connection() as conn:
        product = dict(
            await conn.fetch(
                "SELECT id, product FROM package WHERE id = ANY($1::int[])",
                [big, mid, slow, fast, world.package_id],
            )
        )
    # On hand (cost 5.50/g each): big 199, mid 40, slow 11, the world's 10 (vault), fast 10.
    # By value: big A, mid A (starts at 199/270 < 80 %), slow and the world's B (start at 89 %
    # and 93 %), fast C (starts at 96 %).
    # By grams sold in the window: fast 15 of 16 (A), big B, the rest C.
    assert by_product[product[big]].abc_class == AbcClass.A
    assert by_product[product[mid]].abc_class == AbcClass.A
    assert by_product[product[slow]].abc_class == AbcClass.B
    assert by_product[product[slow]].by_velocity == AbcClass.C
    assert (by_product[product[fast]].by_value, by_product[product[fast]].abc_class) == (
        AbcClass.C,
        AbcClass.A,
    )
    assert by_product[product[fast]].units_sold == Decimal(15)
    assert by_product[product[world.package_id]].abc_class == AbcClass.B
    assert plan.class_sizes == {AbcClass.A: 3, AbcClass.B: 2, AbcClass.C: 0}


async def test_a_managers_plan_shows_where_each_number_comes_from(world):
    manager = world.as_(Role.MANAGER)
    await plan_policy.set_count_policy(
        new_uow(),
        manager,
        plan_policy.SetCountPolicy(world.ca.location_id, class_b_days=14, class_c_days=120),
    )
    plan = await plan_queries.count_plan(registry.current(), world.ca.location_id)
    got = {f.subject: (f.every_days, f.source) for f in plan.basis.frequencies}
    assert got == {
        "A": (7, Source.DEFAULT),
        "B": (14, Source.LOCATION),
        "C": (120, Source.LOCATION),
        "vault": (7, Source.DEFAULT),
    }


async def test_the_states_full_count_minimum_overrides_a_laxer_plan(world):
    await plan_policy.set_count_policy(
        new_uow(),
        world.as_(Role.MANAGER),
        plan_policy.SetCountPolicy(world.ca.location_id, class_b_days=20, class_c_days=120),
    )
    installed = registry.current()
    ca = installed.state_rulebook("CA")
    strict = dataclasses.replace(
        ca,
        counts=CountRules(full_count_every_days=Fact(30, Mark.OPERATOR, "County ordinance 7")),
    )
    plugins = dataclasses.replace(installed, states={**installed.states, "CA": strict})

    plan = await plan_queries.count_plan(plugins, world.ca.location_id)

    c = plan.basis.frequency("C")
    assert (c.every_days, c.source, c.planned_days, c.citation) == (
        30,
        Source.STATE,
        120,
        "County ordinance 7",
    )
    # A stricter number of the location's stands.
    assert (plan.basis.frequency("B").every_days, plan.basis.frequency("B").source) == (
        20,
        Source.LOCATION,
    )


async def test_new_yorks_weekly_cycle_counts_cap_a_laxer_class_a(clean_db):
    ny = await build_store("Empire", "OCM-AUCC-1", "NY", "America/New_York", "none", "ny.test")
    await plan_policy.set_count_policy(
        new_uow(),
        ny.users[Role.MANAGER],
        plan_policy.SetCountPolicy(ny.location_id, class_a_days=14, vault_days=10),
    )
    plan = await plan_queries.count_plan(registry.current(), ny.location_id)
    a = plan.basis.frequency("A")
    assert (a.every_days, a.source, a.planned_days) == (7, Source.STATE, 14)
    assert plan.basis.frequency("vault").source == Source.STATE
    # No approved count yet: the state's cycle count is due now.
    assert plan.basis.cycle_count_due_at == plan.basis.now


async def test_quiet_hours_are_read_in_the_stores_time_zone(world):
    tag, _ = await floor_package(world, "28")
    for i in range(4):
        await _sell(world, tag, "1", f"quiet-{i}")
    busy_tag, _ = await floor_package(world, "28")
    for i in range(12):
        await _sell(world, busy_tag, "1", f"busy-{i}")
    # Last week's Tuesday in Los Angeles: the 4 quiet sales at 09:xx, the 12 busy ones at 17:xx.
    la = ZoneInfo("America/Los_Angeles")
    today = datetime.now(la).date()
    tuesday = today - timedelta(days=(today.weekday() - 1) % 7 + 7)
    nine = datetime(tuesday.year, tuesday.month, tuesday.day, 9, 15, tzinfo=la)
    five = nine.replace(hour=17)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE sale SET occurred_at = CASE WHEN customer_key LIKE 'quiet-%'"
            " THEN $1::timestamptz ELSE $2::timestamptz END",
            nine.astimezone(UTC),
            five.astimezone(UTC),
        )
    plan = await plan_queries.count_plan(registry.current(), world.ca.location_id)
    # 09:15 in LA is 17:15 UTC: read in UTC the quiet hour would be 17.
    assert [(s.day_name, s.hour, s.sales) for s in plan.quiet_hours] == [("Tuesday", 9, 4)]


async def test_quiet_hours_hold_in_a_time_zone_a_quarter_hour_off(world):
    # Kathmandu is UTC+05:45: its 09:50 is 04:05 UTC, its 10:05 is 04:20 UTC. Sales counted per
    # UTC quarter hour still land in the store's own hours (per UTC hour they would merge).
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE location SET timezone = 'Asia/Kathmandu' WHERE id = $1", world.ca.location_id
        )
    tag, _ = await floor_package(world, "28")
    for i in range(3):
        await _sell(world, tag, "1", f"early-{i}")
    for i in range(5):
        await _sell(world, tag, "1", f"late-{i}")
    ktm = ZoneInfo("Asia/Kathmandu")
    today = datetime.now(ktm).date()
    monday = today - timedelta(days=today.weekday() + 7)
    early = datetime(monday.year, monday.month, monday.day, 9, 50, tzinfo=ktm)
    late = early.replace(hour=10, minute=5)
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE sale SET occurred_at = CASE WHEN customer_key LIKE 'early-%'"
            " THEN $1::timestamptz ELSE $2::timestamptz END",
            early.astimezone(UTC),
            late.astimezone(UTC),
        )
    plan = await plan_queries.count_plan(registry.current(), world.ca.location_id)
    assert [(s.day_name, s.hour, s.sales) for s in plan.quiet_hours] == [("Monday", 9, 3)]
