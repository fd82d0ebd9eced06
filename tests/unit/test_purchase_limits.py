"""A budtender can never ring up more than the state allows, and is told which limit and by
how much; a product missing a number the state needs is refused, never counted as zero."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.catalog.model import Category
from domain.limits import (
    CANNABIS_TOTAL_G,
    CONCENTRATE_G,
    EDIBLE_THC_MG,
    FLOWER_EQUIVALENT_G,
    FLOWER_G,
    LIQUID_EDIBLE_G,
    SOLID_EDIBLE_G,
    CannotEvaluate,
    Counts,
    Customer,
    LimitRuleSet,
    Line,
    Mark,
    Measure,
    Programme,
    Status,
    Variant,
    Window,
    counts_as,
    evaluate,
    window_start,
    with_overrides,
)
from domain.quantities import Unit
from plugins import registry
from plugins.states.base import find_rulebook

D = Decimal
# The built-in states, as the plugin manager collects them (installed plugins are not loaded).
BUILT_IN = registry.collect_states(registry.get_plugin_manager(load_entrypoints=False))
RULE_SETS = {code: rulebook.limits for code, rulebook in BUILT_IN.items()}
ADULT = Customer(Programme.ADULT_USE)
VISITOR = Customer(Programme.ADULT_USE, resident=False)
PATIENT = Customer(Programme.MEDICAL)
LOS_ANGELES = "America/Los_Angeles"


def rule_set(state: str, customer: Customer) -> LimitRuleSet:
    return find_rulebook(BUILT_IN, state).limits_for(customer)


def flower(grams: str) -> Line:
    return Line(Category.FLOWER, Unit.GRAMS, D(grams))


def pre_roll(count: str, grams_each: str | None = "1", concentrate_each: str | None = None) -> Line:
    return Line(
        Category.PRE_ROLL,
        Unit.EACH,
        D(count),
        unit_weight_grams=None if grams_each is None else D(grams_each),
        concentrate_grams_per_unit=None if concentrate_each is None else D(concentrate_each),
    )


def concentrate(grams: str, thc_mg_per_gram: str = "800") -> Line:
    return Line(Category.CONCENTRATE, Unit.GRAMS, D(grams), thc_mg_per_unit=D(thc_mg_per_gram))


def vape(count: str, grams_each: str = "0.5", thc_mg_each: str | None = "400") -> Line:
    return Line(
        Category.VAPE,
        Unit.EACH,
        D(count),
        unit_weight_grams=D(grams_each),
        thc_mg_per_unit=None if thc_mg_each is None else D(thc_mg_each),
    )


def edible(
    count: str,
    thc_mg_each: str | None = "100",
    concentrate_each: str | None = None,
    net_grams_each: str | None = None,
    category: Category = Category.EDIBLE,
) -> Line:
    return Line(
        category,
        Unit.EACH,
        D(count),
        thc_mg_per_unit=None if thc_mg_each is None else D(thc_mg_each),
        concentrate_grams_per_unit=None if concentrate_each is None else D(concentrate_each),
        net_weight_grams=None if net_grams_each is None else D(net_grams_each),
    )


def beverage(count: str, net_grams_each: str, thc_mg_each: str = "10") -> Line:
    return edible(count, thc_mg_each, net_grams_each=net_grams_each, category=Category.BEVERAGE)


def check(
    state: str, lines: list[Line], customer: Customer = ADULT, prior: list[Line] | None = None
):
    return evaluate(rule_set(state, customer), customer, prior or [], lines)


def over(result, bucket: str) -> Decimal:
    (usage,) = [u for u in result.exceeded if u.bucket == bucket]
    return usage.over_by


AT_THE_LIMIT = [
    ("CA", ADULT, [flower("28.5"), concentrate("8")]),
    ("CA", PATIENT, [flower("226.796"), concentrate("20")]),
    ("CO", ADULT, [concentrate("8")]),
    ("CO", ADULT, [flower("14.174"), edible("4")]),  # 14.174 g + 400 mg = 28.34875 g eq.
    ("MA", ADULT, [vape("5", thc_mg_each="500"), edible("5", "50")]),  # ½ oz + ½ oz
    ("MI", ADULT, [flower("55.873"), concentrate("15")]),
    ("NV", ADULT, [flower("70.873"), concentrate("7.087")]),
    ("OR", ADULT, [flower("28.349"), concentrate("5"), edible("4", net_grams_each="113.398")]),
    ("WA", ADULT, [flower("28.349"), concentrate("7"), beverage("6", net_grams_each="340.194")]),
    ("IL", ADULT, [flower("30"), concentrate("5"), edible("5")]),
    ("IL", VISITOR, [flower("15"), concentrate("2.5"), edible("5", "50")]),
    ("NY", ADULT, [flower("85.048"), concentrate("24")]),
    ("NJ", ADULT, [concentrate("2"), edible("5")]),  # ½ oz + ½ oz
    ("AZ", ADULT, [flower("23.349"), concentrate("5")]),
]


@pytest.mark.parametrize(("state", "customer", "lines"), AT_THE_LIMIT)
def test_each_state_sells_a_basket_exactly_at_its_limit(state, customer, lines):
    result = check(state, lines, customer)
    assert result.allowed, result.reasons()
    assert result.status is Status.ALLOWED
    assert result.exceeded == ()


OVER_THE_LIMIT = [
    ("CA", ADULT, [flower("28.6")], FLOWER_G, "0.100"),
    ("CA", ADULT, [concentrate("8.25")], CONCENTRATE_G, "0.250"),
    ("CA", PATIENT, [flower("226.797")], FLOWER_G, "0.001"),
    ("CO", ADULT, [edible("9")], FLOWER_EQUIVALENT_G, "3.544"),  # 900 mg = 31.893 g eq.
    ("MA", ADULT, [flower("14"), edible("3")], FLOWER_EQUIVALENT_G, "2.661"),
    ("MI", ADULT, [flower("60"), concentrate("15")], CANNABIS_TOTAL_G, "4.127"),
    ("NV", ADULT, [concentrate("7.5")], CONCENTRATE_G, "0.413"),
    ("OR", ADULT, [concentrate("5.5")], CONCENTRATE_G, "0.500"),
    ("WA", ADULT, [edible("10", net_grams_each="50")], SOLID_EDIBLE_G, "46.408"),
    ("IL", ADULT, [flower("31")], FLOWER_G, "1.000"),
    ("IL", VISITOR, [edible("3")], EDIBLE_THC_MG, "50.0"),
    ("NY", ADULT, [flower("86")], FLOWER_G, "0.952"),
    ("NJ", ADULT, [concentrate("2"), edible("6")], FLOWER_EQUIVALENT_G, "2.835"),
    ("AZ", ADULT, [flower("24"), concentrate("5")], CANNABIS_TOTAL_G, "0.651"),
]


@pytest.mark.parametrize(("state", "customer", "lines", "bucket", "over_by"), OVER_THE_LIMIT)
def test_each_state_refuses_a_basket_over_its_limit_saying_by_exactly_how_much(
    state, customer, lines, bucket, over_by
):
    result = check(state, lines, customer)
    assert not result.allowed
    assert result.status is Status.OVER_LIMIT
    assert [u.bucket for u in result.exceeded] == [bucket]
    assert str(over(result, bucket)) == over_by
    assert result.reasons()[0].startswith("over limit: ")


def test_the_refusal_shows_limit_already_bought_this_sale_and_total():
    result = check("CA", [concentrate("3")], prior=[vape("12")])  # 6 g earlier today
    (usage,) = result.exceeded
    assert usage.label == "concentrate (g)"
    assert (usage.limit, usage.already_purchased, usage.this_sale, usage.total, usage.over_by) == (
        D("8.000"),
        D("6.000"),
        D("3.000"),
        D("9.000"),
        D("1.000"),
    )
    assert "over by 1.000" in result.reasons()[0]


def test_california_counts_concentrate_inside_an_edible_toward_the_8_g_limit():
    gummies = edible("2", concentrate_each="0.6")
    assert check("CA", [concentrate("7")]).allowed
    result = check("CA", [concentrate("7"), gummies])
    assert over(result, CONCENTRATE_G) == D("0.200")


def test_california_counts_an_infused_pre_rolls_concentrate_but_not_a_plain_ones():
    assert counts_as(pre_roll("2", "1"), rule_set("CA", ADULT)) == {
        FLOWER_G: D(2),
        CONCENTRATE_G: D(0),
    }
    infused = pre_roll("2", "1", concentrate_each="0.3")
    result = check("CA", [concentrate("7.5"), infused])
    assert over(result, CONCENTRATE_G) == D("0.100")


def test_california_refuses_an_edible_whose_concentrate_content_is_unknown():
    result = check("CA", [edible("1", concentrate_each=None)])
    assert result.status is Status.CANNOT_EVALUATE
    assert not result.allowed
    (missing,) = result.cannot_evaluate
    assert (missing.field, missing.line, missing.bucket) == (
        "concentrate_grams_per_unit",
        "new[0]",
        CONCENTRATE_G,
    )


def test_california_patients_are_capped_on_flower_only():
    ruleset = rule_set("CA", PATIENT)
    assert ruleset.variant is Variant.MEDICAL
    assert check("CA", [flower("200"), concentrate("30"), edible("10")], PATIENT).allowed


def test_colorado_mixed_basket_over_in_flower_equivalents_is_refused():
    # 20 g of flower and 4 g of concentrate are each within 1 oz / 8 g on their own,
    # but 20 + 4 × 28.3495 / 8 = 34.17475 g of flower equivalent.
    assert check("CO", [flower("20")]).allowed
    assert check("CO", [concentrate("4")]).allowed
    result = check("CO", [flower("20"), concentrate("4")])
    (usage,) = result.exceeded
    assert (usage.bucket, usage.label) == (FLOWER_EQUIVALENT_G, "flower equivalent (g)")
    assert (usage.total, usage.over_by) == (D("34.175"), D("5.826"))


def test_massachusetts_mixed_basket_over_in_flower_equivalents_is_refused():
    # 3 g of concentrate at 800 mg/g = 2,400 mg THC (0.48 oz) + 300 mg edibles (0.6 oz).
    assert check("MA", [concentrate("3")]).allowed
    assert check("MA", [edible("3")]).allowed
    result = check("MA", [concentrate("3"), edible("3")])
    assert over(result, FLOWER_EQUIVALENT_G) == D("2.268")


def test_massachusetts_counts_thc_in_concentrate_so_a_vape_without_thc_is_refused():
    result = check("MA", [vape("1", thc_mg_each=None)])
    assert [m.field for m in result.cannot_evaluate] == ["thc_mg_per_unit"]


def test_massachusetts_topicals_are_exempt_even_without_product_data():
    lotion = Line(Category.TOPICAL, Unit.EACH, D(10))
    assert counts_as(lotion, rule_set("MA", ADULT)) == {}
    assert check("MA", [flower("28.349"), lotion]).allowed


def test_new_jersey_mixed_basket_over_in_flower_equivalents_is_refused():
    assert check("NJ", [concentrate("3")]).allowed
    assert check("NJ", [edible("3")]).allowed
    result = check("NJ", [concentrate("3"), edible("3")])  # 21.263 + 8.505 g eq.
    assert over(result, FLOWER_EQUIVALENT_G) == D("1.418")


@pytest.mark.parametrize("state", ["WA", "OR"])
def test_washington_and_oregon_keep_independent_caps_so_maxing_flower_and_concentrate_is_allowed(
    state,
):
    cap = RULE_SETS[state][Variant.ADULT_USE].caps[CONCENTRATE_G].limit
    basket = [
        flower("28.349"),
        concentrate(str(cap)),
        edible("4", net_grams_each="113.398"),
        beverage("6", net_grams_each="340.194"),
    ]
    result = check(state, basket)
    assert result.allowed, result.reasons()
    assert {u.bucket for u in result.usage} == {
        FLOWER_G,
        CONCENTRATE_G,
        SOLID_EDIBLE_G,
        LIQUID_EDIBLE_G,
    }


def test_washington_and_oregon_need_the_products_net_weight_for_edibles():
    result = check("WA", [edible("1", net_grams_each=None)])
    assert [(m.field, m.bucket) for m in result.cannot_evaluate] == [
        ("net_weight_grams", SOLID_EDIBLE_G)
    ]


def test_illinois_non_residents_get_half_of_each_resident_limit():
    basket = [flower("20"), concentrate("3"), edible("4")]
    assert check("IL", basket, ADULT).allowed
    result = check("IL", basket, VISITOR)
    assert [(u.bucket, u.over_by) for u in result.exceeded] == [
        (FLOWER_G, D("5.000")),
        (CONCENTRATE_G, D("0.500")),
        (EDIBLE_THC_MG, D("150.0")),
    ]
    resident, visitor = rule_set("IL", ADULT), rule_set("IL", VISITOR)
    for bucket, cap in resident.caps.items():
        assert visitor.caps[bucket].limit * 2 == cap.limit


@pytest.mark.parametrize(
    ("state", "sub_cap_breaking", "total_breaking"),
    [
        ("MI", [flower("10"), concentrate("16")], [flower("56"), concentrate("15")]),
        ("AZ", [flower("10"), concentrate("6")], [flower("24"), concentrate("5")]),
    ],
)
def test_michigan_and_arizona_cap_concentrate_within_the_total(
    state, sub_cap_breaking, total_breaking
):
    result = check(state, sub_cap_breaking)
    assert [(u.bucket, u.over_by) for u in result.exceeded] == [(CONCENTRATE_G, D("1.000"))]
    result = check(state, total_breaking)
    assert [u.bucket for u in result.exceeded] == [CANNABIS_TOTAL_G]


def local(timestamp: str, zone: str = LOS_ANGELES) -> datetime:
    return datetime.fromisoformat(timestamp).replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("late", "early_next_day", "late_day_start_utc", "next_day_start_utc"),
    [
        ("2024-06-14T23:59", "2024-06-15T00:01", "2024-06-14T07:00", "2024-06-15T07:00"),
        # Spring forward: 10 March 2024 is 23 hours long in Los Angeles.
        ("2024-03-09T23:59", "2024-03-10T00:01", "2024-03-09T08:00", "2024-03-10T08:00"),
        ("2024-03-10T23:59", "2024-03-11T00:01", "2024-03-10T08:00", "2024-03-11T07:00"),
        # Fall back: 3 November 2024 is 25 hours long.
        ("2024-11-03T23:59", "2024-11-04T00:01", "2024-11-03T07:00", "2024-11-04T08:00"),
    ],
)
def test_daily_limits_roll_over_at_the_stores_local_midnight_across_dst(
    late, early_next_day, late_day_start_utc, next_day_start_utc
):
    day = Window.calendar_day()
    first = window_start(day, LOS_ANGELES, local(late))
    second = window_start(day, LOS_ANGELES, local(early_next_day))
    assert first != second
    assert first.astimezone(UTC) == datetime.fromisoformat(late_day_start_utc).replace(tzinfo=UTC)
    assert second.astimezone(UTC) == datetime.fromisoformat(next_day_start_utc).replace(tzinfo=UTC)
    assert (first.hour, first.minute, second.hour, second.minute) == (0, 0, 0, 0)


def test_a_sale_timestamped_in_utc_belongs_to_the_stores_local_day():
    # 07:59 UTC on 10 March is still 23:59 PST on the 9th.
    at = datetime(2024, 3, 10, 7, 59, tzinfo=UTC)
    assert window_start(Window.calendar_day(), LOS_ANGELES, at) == local("2024-03-09T00:00")


def test_a_california_customer_maxed_at_2359_may_buy_again_at_0001_on_a_dst_change_day():
    history = [(local("2024-11-03T23:59"), flower("28.5"))]

    def sell_at(when: datetime, lines: list[Line]):
        start = window_start(Window.calendar_day(), LOS_ANGELES, when)
        prior = [line for sold_at, line in history if sold_at >= start]
        return check("CA", lines, prior=prior)

    assert sell_at(local("2024-11-04T00:01"), [flower("28.5")]).allowed
    same_day = sell_at(local("2024-11-03T23:59:30"), [flower("1")])
    assert over(same_day, FLOWER_G) == D("1.000")


def test_a_day_whose_midnight_is_skipped_starts_at_the_first_local_instant():
    # Chile springs forward at midnight: 8 September 2024 begins at 01:00 -03.
    start = window_start(
        Window.calendar_day(), "America/Santiago", local("2024-09-08T12:00", "America/Santiago")
    )
    assert start.astimezone(UTC) == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
    assert (start.hour, start.minute) == (1, 0)


def test_rolling_windows_cover_whole_local_days_ending_today():
    at = local("2024-03-12T10:00")
    assert window_start(Window.rolling_days(3), LOS_ANGELES, at) == local("2024-03-10T00:00")
    assert window_start(Window.rolling_days(1), LOS_ANGELES, at) == window_start(
        Window.calendar_day(), LOS_ANGELES, at
    )


def test_per_transaction_limits_ignore_earlier_purchases():
    assert window_start(Window.transaction(), LOS_ANGELES, local("2024-03-12T10:00")) is None
    assert check("WA", [flower("28")], prior=[flower("28")]).allowed


def test_a_window_needs_an_aware_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        window_start(Window.calendar_day(), LOS_ANGELES, datetime(2024, 3, 12, 10, 0))


@pytest.mark.parametrize(
    ("state", "line", "field"),
    [
        ("CO", edible("1", thc_mg_each=None), "thc_mg_per_unit"),
        ("IL", edible("1", thc_mg_each=None, category=Category.TINCTURE), "thc_mg_per_unit"),
        ("WA", pre_roll("1", grams_each=None), "unit_weight_grams"),
        ("OR", Line(Category.BEVERAGE, Unit.EACH, D(1), thc_mg_per_unit=D(10)), "net_weight_grams"),
        ("NY", edible("1", concentrate_each=None), "concentrate_grams_per_unit"),
        ("NJ", Line(Category.OTHER, Unit.EACH, D(1)), "category"),
    ],
)
def test_a_product_missing_a_number_the_state_needs_is_refused_naming_the_field(state, line, field):
    result = check(state, [flower("1"), line])
    assert result.status is Status.CANNOT_EVALUATE
    assert not result.allowed
    assert [(m.field, m.line) for m in result.cannot_evaluate] == [(field, "new[1]")]
    assert result.reasons()[-1].startswith("cannot evaluate new[1]: ")
    assert isinstance(counts_as(line, rule_set(state, ADULT)), CannotEvaluate)


def test_an_earlier_purchase_missing_data_also_stops_the_sale():
    result = check("CA", [flower("1")], prior=[edible("1")])
    assert [m.line for m in result.cannot_evaluate] == ["prior[0]"]


def test_an_operator_override_changes_a_cap_and_records_its_source():
    built_in = rule_set("CA", ADULT)
    stricter = with_overrides(
        built_in, caps={FLOWER_G: D(20)}, source="City of Example ordinance 12-3", note="local"
    )
    assert evaluate(built_in, ADULT, [], [flower("21")]).allowed
    result = evaluate(stricter, ADULT, [], [flower("21")])
    assert over(result, FLOWER_G) == D("1.000")
    cap = stricter.caps[FLOWER_G]
    assert (cap.mark, cap.source) == (Mark.OPERATOR, "City of Example ordinance 12-3")
    (override,) = stricter.overrides
    assert override.change == "caps.flower_g: 28.5 -> 20"
    assert override.source == "City of Example ordinance 12-3"
    # The shared built-in rule set is untouched.
    assert RULE_SETS["CA"][Variant.ADULT_USE].caps[FLOWER_G].limit == D("28.5")


def test_an_operator_can_change_an_equivalence_rate():
    colorado = with_overrides(
        rule_set("CO", ADULT),
        equivalents={FLOWER_EQUIVALENT_G: {CONCENTRATE_G: D(4)}},
        source="operator memo 2026-01",
    )
    result = evaluate(colorado, ADULT, [], [concentrate("5")])
    assert over(result, FLOWER_EQUIVALENT_G) == D("7.088")  # 5 g = 1.25 oz


def test_an_operator_can_say_what_an_unmapped_category_counts_as():
    seeds_exempt = with_overrides(
        rule_set("NJ", ADULT), exempt={Category.OTHER}, source="NJ CRC guidance on seeds"
    )
    assert evaluate(seeds_exempt, ADULT, [], [Line(Category.OTHER, Unit.EACH, D(10))]).allowed
    counted = with_overrides(
        rule_set("NJ", ADULT),
        counting={Category.OTHER: [Counts(EDIBLE_THC_MG, Measure.THC_MG)]},
        source="operator",
    )
    capsules = Line(Category.OTHER, Unit.EACH, D(11), thc_mg_per_unit=D(100))
    assert over(evaluate(counted, ADULT, [], [capsules]), FLOWER_EQUIVALENT_G) == D("2.835")


def test_an_override_must_cite_a_source_and_change_something():
    with pytest.raises(ValueError, match="where its numbers come from"):
        with_overrides(rule_set("CA", ADULT), caps={FLOWER_G: D(20)}, source=" ")
    with pytest.raises(ValueError, match="change something"):
        with_overrides(rule_set("CA", ADULT), source="memo")
    with pytest.raises(TypeError):
        with_overrides(rule_set("CA", ADULT), caps={FLOWER_G: 20.5}, source="memo")


def test_a_sale_that_adds_nothing_to_a_full_bucket_is_not_blocked_by_it():
    lowered = with_overrides(rule_set("CA", ADULT), caps={FLOWER_G: D(10)}, source="memo")
    result = evaluate(lowered, ADULT, [flower("20")], [concentrate("2")])
    assert result.allowed
    assert [u.over_by for u in result.usage if u.bucket == FLOWER_G] == [D("10.000")]


def test_medical_customers_fall_back_to_adult_use_limits_where_the_table_has_none():
    medical = rule_set("co", PATIENT)
    assert medical.variant is Variant.MEDICAL
    assert medical.combined == rule_set("CO", ADULT).combined
    assert any("no medical numbers" in note for note in medical.notes)


def test_rules_for_the_wrong_customer_type_are_a_programming_error():
    with pytest.raises(ValueError, match="adult_use_non_resident customer"):
        evaluate(rule_set("IL", ADULT), VISITOR, [], [flower("1")])


def test_a_state_without_rules_cannot_sell():
    with pytest.raises(KeyError, match="TX"):
        rule_set("TX", ADULT)


@pytest.mark.parametrize(
    ("state", "variant"), [(s, v) for s, variants in RULE_SETS.items() for v in variants]
)
def test_every_rule_set_records_its_sources_and_every_number_its_mark(state, variant):
    ruleset = RULE_SETS[state][variant]
    assert (ruleset.state, ruleset.variant) == (state, variant)
    assert ruleset.sources
    assert ruleset.sources[0].startswith("Reference table [")
    assert ruleset.caps or ruleset.combined
    for cap in [*ruleset.caps.values(), *ruleset.combined]:
        assert cap.source
        assert cap.mark in (Mark.CONFIRMED, Mark.SECONDARY, Mark.UNCONFIRMED)
    assert Category.OTHER not in ruleset.counting


def test_quantities_are_decimals_never_floats():
    with pytest.raises(TypeError):
        Line(Category.FLOWER, Unit.GRAMS, 3.5)
    with pytest.raises(ValueError, match="at least zero"):
        flower("-1")
