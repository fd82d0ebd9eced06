"""The diversion rules on plain facts: suspicious patterns raise exactly their flags, a normal
month raises none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random
from zoneinfo import ZoneInfo

from domain.diversion import rules
from domain.diversion.model import (
    AccessFact,
    ActorWeek,
    Mismatch,
    MovementFact,
    Rule,
    ShiftSpan,
    Thresholds,
    UsageWeek,
)
from domain.shrinkage.report import is_known, rate

TZ = ZoneInfo("America/Los_Angeles")
T = Thresholds()
MONDAY = date(2026, 11, 2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def move(i: int, kind: str, at: datetime, actor: int = 1, **kw) -> MovementFact:
    fields = {
        "package_id": 1,
        "quantity": Decimal("1"),
        "out": True,
        "reason": None,
        "grams": Decimal("1"),
        "value": Decimal("5"),
    } | kw
    return MovementFact(
        i,
        fields["package_id"],
        kind,
        fields["quantity"],
        fields["out"],
        fields["reason"],
        actor,
        at,
        fields["grams"],
        fields["value"],
    )


def door(i: int, at: datetime, user: int | None = 7, zone: str | None = "vault") -> AccessFact:
    return AccessFact(i, at, "entry", 1 if zone else None, zone, zone or "Loading bay", "B-1", user)


def rules_of(flags) -> list[tuple[Rule, str]]:
    return sorted((f.rule, f.evidence_key) for f in flags)


def test_vault_entry_outside_the_persons_shift_is_flagged_high():
    shift = ShiftSpan(7, local(MONDAY, 9), local(MONDAY, 17))
    flags = rules.access_flags([door(1, local(MONDAY, 10)), door(2, local(MONDAY, 23))], [shift])
    assert rules_of(flags) == [(Rule.VAULT_OUTSIDE_SHIFT, "access:2")]
    assert flags[0].severity == "high"
    assert flags[0].access_event_ids == (2,)


def test_someone_elses_shift_does_not_cover_a_vault_entry():
    shift = ShiftSpan(8, local(MONDAY, 9), local(MONDAY, 17))
    assert rules_of(rules.access_flags([door(1, local(MONDAY, 10))], [shift])) == [
        (Rule.VAULT_OUTSIDE_SHIFT, "access:1")
    ]


def test_unknown_badge_and_unknown_zone_are_flagged_not_dropped():
    unknown_badge = door(1, local(MONDAY, 10), user=None)
    unknown_zone = door(2, local(MONDAY, 10), zone=None)
    flags = rules.access_flags([unknown_badge, unknown_zone], [])
    assert rules_of(flags) == [(Rule.UNKNOWN_ACCESS, "access:1"), (Rule.UNKNOWN_ACCESS, "access:2")]
    assert flags[0].facts["unknown"] == ["badge"]
    assert flags[1].facts["unknown"] == ["zone"]


def test_a_write_off_above_the_value_or_weight_threshold_is_flagged_once():
    big = move(1, "adjust", local(MONDAY, 12), reason="damage", value=Decimal("300"))
    heavy = move(2, "adjust", local(MONDAY, 12), reason="other", grams=Decimal("28"))
    small = move(3, "adjust", local(MONDAY, 12), reason="sample")
    write_on = move(4, "adjust", local(MONDAY, 12), out=False, value=Decimal("999"))
    flags = rules.movement_flags([big, heavy, small, write_on], TZ, T)
    assert rules_of(flags) == [
        (Rule.LARGE_ADJUSTMENT, "movement:1"),
        (Rule.LARGE_ADJUSTMENT, "movement:2"),
    ]


def test_movements_after_hours_are_one_flag_per_person_and_local_day():
    late = [move(i, "transfer", local(MONDAY, 23, i)) for i in range(1, 4)]
    early_next_day = move(9, "sale", local(MONDAY + timedelta(days=1), 5))
    expiry = move(10, "release", local(MONDAY, 23))  # the system's own, not a person's
    flags = rules.movement_flags([*late, early_next_day, expiry], TZ, T)
    assert rules_of(flags) == [
        (Rule.AFTER_HOURS_MOVEMENT, "after-hours:1:2026-11-02"),
        (Rule.AFTER_HOURS_MOVEMENT, "after-hours:1:2026-11-03"),
    ]
    assert flags[0].movement_ids == (1, 2, 3)


def test_opening_hours_come_from_the_location_thresholds():
    night_shop = Thresholds(opening_hour=18, closing_hour=4)
    assert rules.movement_flags([move(1, "sale", local(MONDAY, 23))], TZ, night_shop) == []
    assert len(rules.movement_flags([move(1, "sale", local(MONDAY, 12))], TZ, night_shop)) == 1


def person(actor: int, adjustments=0, voids=0, corrections=0) -> ActorWeek:
    ids = tuple(range(actor * 100, actor * 100 + 50))
    return ActorWeek(actor, adjustments, ids, voids, ids, corrections, ids)


def test_one_budtender_voiding_far_more_than_peers_is_flagged():
    week = [person(1, voids=9), person(2, voids=1), person(3, voids=2), person(4)]
    flags = rules.peer_flags(MONDAY, week, T)
    assert rules_of(flags) == [(Rule.REPEATED_VOIDS, "1:2026-11-02")]
    assert flags[0].subject_user_id == 1
    assert flags[0].facts["peer_median"] == 1.5


def test_frequent_write_offs_and_corrections_that_follow_one_counter():
    week = [person(1, adjustments=12, corrections=6), person(2, adjustments=2, corrections=1)]
    assert rules_of(rules.peer_flags(MONDAY, week, T)) == [
        (Rule.COUNTER_VARIANCE, "1:2026-11-02"),
        (Rule.FREQUENT_ADJUSTMENTS, "1:2026-11-02"),
    ]


def test_nobody_is_unusual_without_peers_or_below_the_minimum():
    assert rules.peer_flags(MONDAY, [person(1, adjustments=40, voids=40)], T) == []
    below = [person(1, voids=4), person(2, voids=1)]
    assert rules.peer_flags(MONDAY, below, T) == []


def test_waste_and_samples_above_the_usual_week_are_flagged():
    usual = [Decimal(v) for v in (80, 95, 110, 90)]
    normal = UsageWeek(MONDAY, Decimal("120"), (1,))
    spike = UsageWeek(MONDAY, Decimal("400"), (1, 2))
    assert rules.usage_flags(normal, usual, T) == []
    assert rules_of(rules.usage_flags(spike, usual, T)) == [
        (Rule.USAGE_ABOVE_RATE, "usage:2026-11-02")
    ]
    assert rules.usage_flags(spike, [], T) == []  # a new store has no usual week yet


def test_a_tag_whose_state_history_disagrees_is_flagged_high():
    m = Mismatch(5, "1A4", "quantity", Decimal(10), Decimal(7), (3, 2, 1))
    [flag] = rules.mismatch_flags([m])
    assert (flag.rule, flag.evidence_key, flag.severity) == (
        Rule.TAG_HISTORY_MISMATCH,
        "discrepancy:5",
        "high",
    )
    assert flag.movement_ids == (3, 2, 1)


def normal_month(seed: int = 13):
    """Four weeks of an ordinary store: four budtenders and a lead on day shifts, sales in
    opening hours, a few voids each, the lead's daily samples (routine: not counted against
    peers) and a few damaged jars, vault
    entries inside shifts, weekly usage near its usual."""
    rng = Random(seed)
    moves: list[MovementFact] = []
    doors: list[AccessFact] = []
    shifts: list[ShiftSpan] = []
    people: dict[date, list[ActorWeek]] = {}
    ids = iter(range(1, 10**6))
    for day_n in range(28):
        day = MONDAY + timedelta(days=day_n)
        for user in range(1, 6):
            start = local(day, 8 + rng.randint(0, 2))
            shifts.append(ShiftSpan(user, start, start + timedelta(hours=9)))
            for _ in range(rng.randint(20, 40)):
                moves.append(
                    move(next(ids), "sale", start + timedelta(minutes=rng.randint(5, 500)), user)
                )
            if user == 5:
                doors.append(door(next(ids), start + timedelta(minutes=30), user=user))
                moves.append(
                    move(next(ids), "adjust", start + timedelta(hours=2), user, reason="sample")
                )
    for w in range(4):
        week = MONDAY + timedelta(days=7 * w)
        people[week] = [
            person(u, voids=rng.randint(0, 3), adjustments=rng.randint(0, 2)) for u in range(1, 5)
        ] + [person(5, adjustments=rng.randint(1, 3), corrections=rng.randint(0, 2))]
    return moves, doors, shifts, people


def test_a_month_of_normal_activity_raises_nothing():
    moves, doors, shifts, people = normal_month()
    assert rules.movement_flags(moves, TZ, T) == []
    assert rules.access_flags(doors, shifts) == []
    for week, staff in people.items():
        assert rules.peer_flags(week, staff, T) == []
        usual = [Decimal(90), Decimal(110), Decimal(100), Decimal(95)]
        assert rules.usage_flags(UsageWeek(week, Decimal(105), ()), usual, T) == []


def test_weeks_are_local_mondays():
    sunday_night_local = datetime(2026, 11, 9, 6, 30, tzinfo=UTC)  # Sun 22:30 in Los Angeles
    assert rules.week_of(sunday_night_local, TZ) == MONDAY


def test_known_loss_is_the_causes_with_their_own_workflow():
    assert {
        c
        for c in (
            "sample",
            "qa_testing",
            "packaging_waste",
            "damage",
            "expired",
            "destruction",
            "count_correction",
            "theft",
            "entry_error",
            "other",
        )
        if is_known(c)
    } == {"sample", "qa_testing", "packaging_waste", "damage", "expired", "destruction"}
    assert rate(Decimal(5), Decimal(200)) == Decimal("0.0250")
    assert rate(Decimal(5), Decimal(0)) is None
