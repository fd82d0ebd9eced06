"""What a lead sees on the due list, how a count moves it, the accuracy history, and the
policy a manager sets (refusals write nothing, a retry changes nothing twice)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain import db
from domain.counts import accuracy, plan_policy, plan_queries
from domain.counts.abc import AbcClass
from domain.errors import PermissionDenied, ValidationError
from domain.organisation.model import ZoneKind
from domain.roles import Role
from plugins import registry
from tests.sales.helpers import floor_package
from tests.support.units import new_uow


async def _received_days_ago(days: int) -> None:
    async with db.connection() as conn:
        await conn.execute("UPDATE package SET created_at = now() - $1::interval", timedelta(days))


async def _counted_days_ago(package_id: int, days: float) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE package SET last_counted_at = now() - $2::interval WHERE id = $1",
            package_id,
            timedelta(days=days),
        )


async def _due(world, **kw) -> plan_queries.CountsDue:
    return await plan_queries.counts_due(registry.current(), world.ca.location_id, **kw)


async def test_packages_past_their_interval_are_overdue_and_listed_most_overdue_first(world):
    _, counted = await floor_package(world, "100")  # class A by value
    _, never = await floor_package(world, "50")
    await _received_days_ago(100)
    await _counted_days_ago(counted, 2)

    due = await _due(world)

    listed = [(p.package_id, p.overdue) for p in due.packages]
    # The vault package and `never` were received 100 days ago and never counted: overdue
    # (vault weekly; `never` is A or B: 7 or 30 days). `counted` was counted 2 days ago.
    assert (never, True) in listed
    assert (world.package_id, True) in listed
    assert counted not in {p for p, _ in listed}
    assert [p.due_at for p in due.packages] == sorted(p.due_at for p in due.packages)
    assert not due.has_more
    assert sum(g.overdue for g in due.groups) == 2
    assert sum(g.packages for g in due.groups) == 3
    vault = next(g for g in due.groups if g.zone_kind == ZoneKind.VAULT)
    assert (vault.every_days, vault.never_counted) == (7, 1)


async def test_a_c_package_in_the_vault_is_due_weekly_and_on_the_floor_quarterly(world):
    await _received_days_ago(10)
    due = await _due(world)
    vault = next(g for g in due.groups if g.zone_kind == ZoneKind.VAULT)
    # The world's only package: 10 g in the vault, the only product, so class A by value.
    assert vault.abc_class == AbcClass.A
    assert (vault.every_days, vault.overdue) == (7, 1)
    await plan_policy.set_count_policy(
        new_uow(),
        world.as_(Role.MANAGER),
        plan_policy.SetCountPolicy(world.ca.location_id, class_a_days=60, vault_days=14),
    )
    vault = next(g for g in (await _due(world)).groups if g.zone_kind == ZoneKind.VAULT)
    assert (vault.every_days, vault.overdue) == (14, 0)


async def test_a_package_due_tomorrow_shows_as_due_and_leaves_the_list_once_counted(world):
    await _counted_days_ago(world.package_id, 6.5)
    due = await _due(world)
    assert [(p.package_id, p.overdue) for p in due.packages] == [(world.package_id, False)]
    assert sum(g.due for g in due.groups) == 1
    # Looking only at what is already late, nothing is.
    assert (await _due(world, within=timedelta(0))).packages == ()

    await _counted_days_ago(world.package_id, 0)

    after = await _due(world)
    assert after.packages == ()
    assert sum(g.due + g.overdue for g in after.groups) == 0


async def test_the_due_list_pages(world):
    for _ in range(3):
        await floor_package(world, "5")
    await _received_days_ago(200)
    first = await _due(world, first=2)
    rest = await _due(world, first=2, offset=2)
    assert (len(first.packages), first.has_more) == (2, True)
    assert (len(rest.packages), rest.has_more) == (2, False)
    assert {p.package_id for p in first.packages}.isdisjoint(p.package_id for p in rest.packages)


async def _approved_count(world, counter: Role, lines: list[tuple[int, int, str]]) -> None:
    """An approved session with final lines (package, zone, variance), as approval leaves it."""
    async with db.connection() as conn:
        session = await conn.fetchval(
            "INSERT INTO count_session (location, counter, started_at, expires_at, status,"
            " decided_at, updated_at) VALUES ($1, $2, now() - interval '1 hour', now(),"
            " 'approved', now(), now()) RETURNING id",
            world.ca.location_id,
            world.as_(counter).user_id,
        )
        for i, (package, zone, variance) in enumerate(lines):
            await conn.execute(
                "INSERT INTO count_line (session, line_key, package, tag, zone, counted_quantity,"
                " unit, counted_at, received_at, counter, variance, location) VALUES ($1, $2, $3,"
                " 'T', $4, 1, 'grams', now(), now(), $5, $6, $7)",
                session,
                f"k{i}",
                package,
                zone,
                world.as_(counter).user_id,
                Decimal(variance),
                world.ca.location_id,
            )


async def test_accuracy_is_the_share_counted_without_variance_by_zone_and_by_counter(world):
    vault, floor = world.ca.zone(ZoneKind.VAULT), world.ca.zone(ZoneKind.SALES_FLOOR)
    packages = [(await floor_package(world, "5"))[1] for _ in range(4)]
    await _approved_count(
        world,
        Role.INVENTORY_LEAD,
        [(packages[0], floor, "0"), (packages[1], floor, "-0.5"), (world.package_id, vault, "0")],
    )
    await _approved_count(world, Role.BUDTENDER, [(packages[2], floor, "0")])

    history = await accuracy.count_accuracy(world.ca.location_id, accuracy.AccuracyPeriod.WEEK)

    [week] = history
    assert (week.counted, week.exact, week.share) == (4, 3, Decimal("0.75"))
    assert {t.name: (t.counted, t.share) for t in week.by_zone} == {
        "Sales Floor": (3, Decimal("0.6667")),
        "Vault": (1, Decimal(1)),
    }
    assert {t.name: (t.counted, t.share) for t in week.by_counter} == {
        "Inventory Lead": (3, Decimal("0.6667")),
        "Budtender": (1, Decimal(1)),
    }


async def test_a_manager_changes_only_the_numbers_sent_and_a_retry_changes_nothing_twice(world):
    manager = world.as_(Role.MANAGER)
    cmd = plan_policy.SetCountPolicy(
        world.ca.location_id,
        class_b_days=21,
        session_limit_hours=4,
        two_person_zone_kinds=("vault", "samples"),
        idempotency_key="policy-1",
    )
    first = await plan_policy.set_count_policy(new_uow(), manager, cmd)
    again = await plan_policy.set_count_policy(new_uow(), manager, cmd)
    assert (first.replayed, again.replayed) == (False, True)
    await plan_policy.set_count_policy(
        new_uow(), manager, plan_policy.SetCountPolicy(world.ca.location_id, class_a_days=5)
    )
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT class_a_days, class_b_days, class_c_days, session_limit_hours,"
            " two_person_zone_kinds FROM count_policy WHERE location = $1",
            world.ca.location_id,
        )
    assert dict(row) == {
        "class_a_days": 5,
        "class_b_days": 21,
        "class_c_days": 90,
        "session_limit_hours": 4,
        "two_person_zone_kinds": ["vault", "samples"],
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"class_a_days": 0}, "classADays"),
        ({"vault_days": 731}, "vaultDays"),
        ({"abc_window_days": 6}, "abcWindowDays"),
        ({"class_a_share": Decimal("0.8001")}, "classAShare"),
        ({"class_b_share": Decimal("1.5")}, "classBShare"),
        ({"class_a_share": Decimal("0.97")}, "classAShare"),  # above the stored B share
        ({"session_limit_hours": 73}, "sessionLimitHours"),
        ({"variance_value_threshold": Decimal("-1")}, "varianceValueThreshold"),
        ({"variance_quantity_threshold": Decimal("0.0001")}, "varianceQuantityThreshold"),
        ({"two_person_zone_kinds": ("vault", "vault")}, "twoPersonZoneKinds"),
        ({"two_person_zone_kinds": ("attic",)}, "twoPersonZoneKinds"),
    ],
)
async def test_an_out_of_range_policy_is_refused_and_writes_nothing(world, change, field):
    cmd = plan_policy.SetCountPolicy(world.ca.location_id, class_c_days=45, **change)
    with pytest.raises(ValidationError) as refused:
        await plan_policy.set_count_policy(new_uow(), world.as_(Role.MANAGER), cmd)
    assert refused.value.field == field
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM count_policy") == 0


async def test_a_budtender_cannot_change_the_plan(world):
    with pytest.raises(PermissionDenied):
        await plan_policy.set_count_policy(
            new_uow(),
            world.as_(Role.BUDTENDER),
            plan_policy.SetCountPolicy(world.ca.location_id, class_a_days=30),
        )
