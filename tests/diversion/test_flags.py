"""Seeded suspicious patterns raise exactly their flags, once; a normal month raises none."""

from __future__ import annotations

from datetime import timedelta

from domain import db
from domain.diversion import evaluate
from domain.diversion import flags as flags_service
from domain.events import DiversionFlagRaised
from domain.inventory.model import AdjustmentReason as Why
from domain.inventory.model import MovementKind as Kind
from domain.organisation.model import ZoneKind as Z
from domain.roles import Role
from tests.diversion.seed import History, at, badge, doors, monday, shift
from tests.support.units import new_uow, publishing


async def flags(location_id: int) -> list[tuple[str, int | None]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT rule, subject_user FROM diversion_flag WHERE location = $1 ORDER BY 1, 2",
            location_id,
        )
    return [(r["rule"], r["subject_user"]) for r in rows]


async def test_seeded_suspicious_patterns_raise_exactly_the_expected_flags(world):
    h = await History(world).stock()
    week = monday(2)
    tuesday = week + timedelta(days=1)
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    budtender = world.as_(Role.BUDTENDER)
    # A 40 g "damaged" write-off at noon.
    await h.post(
        Role.INVENTORY_LEAD, Kind.ADJUST, at(tuesday, 12), "40", source=Z.VAULT, reason=Why.DAMAGE
    )
    # Restocking the floor at half past eleven at night.
    await h.post(
        Role.MANAGER, Kind.TRANSFER, at(tuesday, 23, 30), "5", source=Z.VAULT, to=Z.SALES_FLOOR
    )
    # One budtender voids six receipts; a colleague voids one.
    for n in range(6):
        await h.post(
            Role.BUDTENDER, Kind.VOID, at(tuesday, 14, n), to=Z.SALES_FLOOR, document=f"R-{n}"
        )
    await h.post(Role.INVENTORY_LEAD, Kind.VOID, at(tuesday, 15), to=Z.SALES_FLOOR, document="R-99")
    # The budtender's badge opens the vault at 2 am (no shift), and at 10 am inside a shift; an
    # unknown badge opens the vault door.
    await badge(world, "B-0042", Role.BUDTENDER)
    await shift(world, Role.BUDTENDER, at(tuesday, 9))
    await doors(
        world,
        ("d-1", at(tuesday, 2), "entry", "Vault", "B-0042"),
        ("d-2", at(tuesday, 10), "entry", "vault", "B-0042"),
        ("d-3", at(tuesday, 11), "entry", "Vault", "B-9999"),
    )
    raised: list = []

    async def collect(events):
        raised.extend(e for e in events if isinstance(e, DiversionFlagRaised))

    with publishing(collect):
        first = await evaluate.evaluate_new(new_uow, h.loc)
    expected = sorted(
        [
            ("after_hours_movement", manager.user_id),
            ("large_adjustment", lead.user_id),
            ("repeated_voids", budtender.user_id),
            ("unknown_access", None),
            ("vault_outside_shift", budtender.user_id),
        ],
        key=lambda f: (f[0], f[1] or 0),
    )
    assert sorted(await flags(h.loc), key=lambda f: (f[0], f[1] or 0)) == expected
    assert first.raised == 5
    assert sorted(e.rule for e in raised) == sorted(r for r, _ in expected)
    # Running again, and the nightly sweep over the same weeks, raise nothing new.
    again = await evaluate.evaluate_new(new_uow, h.loc)
    swept = await evaluate.sweep(new_uow, h.loc, at(week, 0), at(week + timedelta(days=7), 0))
    assert (again.raised, swept.raised) == (0, 0)
    assert swept.movements == 2  # the write-off and the late transfer: the rest are daytime
    assert len(await flags(h.loc)) == 5


async def test_a_month_of_normal_activity_raises_no_flag(world):
    h = await History(world).stock()
    await badge(world, "B-LEAD", Role.INVENTORY_LEAD)
    first_week = monday(5)
    for day_n in range(28):
        day = first_week + timedelta(days=day_n)
        for who in (Role.BUDTENDER, Role.MANAGER, Role.INVENTORY_LEAD):
            await shift(world, who, at(day, 9))
        await doors(world, (f"door-{day_n}", at(day, 9, 30), "entry", "Vault", "B-LEAD"))
        await h.post(
            Role.INVENTORY_LEAD,
            Kind.TRANSFER,
            at(day, 9, 45),
            "20",
            source=Z.VAULT,
            to=Z.SALES_FLOOR,
        )
        for n, who in enumerate((Role.BUDTENDER, Role.MANAGER, Role.BUDTENDER)):
            await h.post(who, Kind.SALE, at(day, 11 + n * 3), "3.5", source=Z.SALES_FLOOR)
        await h.post(
            Role.INVENTORY_LEAD,
            Kind.ADJUST,
            at(day, 17),
            "1",
            source=Z.SALES_FLOOR,
            reason=Why.SAMPLE,
        )
        if day_n % 5 == 0:
            await h.post(
                Role.BUDTENDER,
                Kind.VOID,
                at(day, 15),
                "3.5",
                to=Z.SALES_FLOOR,
                document=f"V{day_n}",
            )
            await h.post(
                Role.MANAGER, Kind.VOID, at(day, 16), "3.5", to=Z.SALES_FLOOR, document=f"W{day_n}"
            )
        if day_n % 7 == 3:
            await h.post(
                Role.INVENTORY_LEAD,
                Kind.ADJUST,
                at(day, 18),
                "2",
                source=Z.VAULT,
                reason=Why.DAMAGE,
            )
    end = at(first_week + timedelta(days=28), 0)
    swept = await evaluate.sweep(new_uow, h.loc, at(first_week, 0), end)
    incremental = await evaluate.evaluate_new(new_uow, h.loc)
    assert swept.movements == 28 + 4  # the write-offs (samples, damage); nothing after hours
    assert (swept.raised, incremental.raised) == (0, 0)
    assert await flags(h.loc) == []


async def test_unusual_waste_against_the_usual_weeks_is_flagged(world):
    h = await History(world).stock()
    for weeks_ago in range(6, 0, -1):
        day = monday(weeks_ago) + timedelta(days=2)
        grams = "400" if weeks_ago == 1 else "20"  # 20 g worth 110.00 a week, then 400 g
        for _ in range(2):
            await h.post(
                Role.INVENTORY_LEAD,
                Kind.ADJUST,
                at(day, 12),
                str(int(grams) // 2),
                source=Z.VAULT,
                reason=Why.EXPIRED,
            )
    await flags_service.set_thresholds(
        new_uow(),
        world.as_(Role.MANAGER),
        flags_service.SetThresholds(
            h.loc, {"adjustment_grams": "100000", "adjustment_value": "100000"}
        ),
    )
    await evaluate.evaluate_new(new_uow, h.loc)
    assert await flags(h.loc) == [("usage_above_rate", None)]


async def test_a_tag_the_state_sees_differently_is_flagged_with_its_movements(world):
    h = await History(world).stock()
    moved = await h.post(Role.BUDTENDER, Kind.SALE, at(monday(0), 12), "2", source=Z.SALES_FLOOR)
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO discrepancy (location, tag, kind, our_quantity, state_quantity,"
            " difference, first_seen_run, last_seen_run, first_seen_at, last_seen_at, status)"
            " VALUES ($1, '1A4FF0100000022000077777', 'quantity', 9998, 9990, 8, 0, 0, now(),"
            " now(), 'open')",
            h.loc,
        )
    await evaluate.evaluate_new(new_uow, h.loc)  # as movements arrive: not this rule
    assert await flags(h.loc) == []
    await evaluate.evaluate_new(new_uow, h.loc, mismatches=True)  # the catch-up cron
    assert await flags(h.loc) == [("tag_history_mismatch", None)]
    async with db.connection() as conn:
        evidence = await conn.fetchval("SELECT movement_ids FROM diversion_flag")
    assert evidence[0] == moved
