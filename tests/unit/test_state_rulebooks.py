"""Each state's retail rules ship as a plugin: every built-in state answers for every kind of
customer, every rule value says where it comes from, and a number our sources do not confirm is
left to configuration instead of being shipped as if it were law."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from domain.limits import FLOWER_G, Customer, Mark, Programme, Variant, same_as
from plugins import registry
from plugins.states import california, colorado
from plugins.states.base import (
    CountRules,
    Fact,
    StateRulebook,
    WasteRules,
    find_rulebook,
)

BUILT_IN = registry.collect_states(registry.get_plugin_manager(load_entrypoints=False))
ELEVEN = {"AZ", "CA", "CO", "IL", "MA", "MI", "NJ", "NV", "NY", "OR", "WA"}


def _facts(value: object) -> list[Fact[object]]:
    """Every Fact inside a rulebook slot (dataclasses and tuples, recursively)."""
    if isinstance(value, Fact):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            f for field in dataclasses.fields(value) for f in _facts(getattr(value, field.name))
        ]
    if isinstance(value, tuple):
        return [f for item in value for f in _facts(item)]
    return []


def test_the_eleven_states_ship_as_plugins_through_the_plugin_manager():
    assert set(BUILT_IN) == ELEVEN
    pm = registry.get_plugin_manager(load_entrypoints=False)
    names = {name for name, _ in pm.list_name_plugin()}
    assert {
        f"leafledger.builtin.{m.__name__.rsplit('.', 1)[-1]}" for m in registry.BUILTIN_STATES
    } <= names


@pytest.mark.parametrize("code", sorted(ELEVEN))
def test_every_state_has_limits_for_adult_use_visitors_and_patients(code):
    rulebook = BUILT_IN[code]
    for customer in (
        Customer(Programme.ADULT_USE),
        Customer(Programme.ADULT_USE, resident=False),
        Customer(Programme.MEDICAL),
    ):
        assert rulebook.limits_for(customer).state == code


@pytest.mark.parametrize("code", sorted(ELEVEN))
def test_every_shipped_rule_value_cites_a_source_and_none_is_unconfirmed(code):
    rulebook = BUILT_IN[code]
    slots = (rulebook.waste, rulebook.counts, rulebook.labels, rulebook.reporting)
    for fact in _facts(slots):
        assert fact.source.strip()
        assert fact.mark in (Mark.CONFIRMED, Mark.SECONDARY), fact


def test_unconfirmed_waste_holds_and_count_cycles_are_left_to_configuration():
    # The reference marks these [u]: a 72 h hold in WA, 3 days in IL, a 30-day count in CA.
    assert BUILT_IN["WA"].waste.hold is None
    assert BUILT_IN["IL"].waste.hold is None
    assert BUILT_IN["CA"].counts.full_count_every_days is None
    assert any("3-day hold" in note for note in BUILT_IN["IL"].notes)
    assert any("30 days" in note for note in BUILT_IN["CA"].notes)


def test_the_reference_values_a_store_will_see():
    co = BUILT_IN["CO"]
    share = co.waste.min_non_cannabis_share
    assert share is not None
    assert (share.value, share.mark) == (Decimal("0.5"), Mark.SECONDARY)  # CO's 50/50 mix
    assert [w.value for w in co.labels.warnings] == [
        "Contains Marijuana. Keep out of the reach of children."
    ]
    assert BUILT_IN["NY"].counts.cycle_count_every_days is not None
    assert BUILT_IN["NY"].counts.cycle_count_every_days.value == 7
    wa = BUILT_IN["WA"].reporting.schedule
    assert wa is not None
    assert (wa.mark, "Sunday" in wa.value) == (Mark.CONFIRMED, True)
    assert BUILT_IN["CA"].labels.required_fields is not None
    ca = BUILT_IN["CA"].labels
    # Flower and manufactured products carry differently worded government warnings.
    assert [w.value.split(".")[0] for w in (*ca.warnings, *ca.product_warnings)] == [
        "GOVERNMENT WARNING: THIS PACKAGE CONTAINS CANNABIS, A SCHEDULE I CONTROLLED SUBSTANCE",
        "GOVERNMENT WARNING: THIS PRODUCT CONTAINS CANNABIS, A SCHEDULE I CONTROLLED SUBSTANCE",
    ]
    assert all("26120(c)(1)" in w.source for w in (*ca.warnings, *ca.product_warnings))


def test_a_state_without_a_plugin_has_no_rules():
    with pytest.raises(KeyError, match="TX"):
        find_rulebook(BUILT_IN, "TX")
    assert find_rulebook(BUILT_IN, " co ") is BUILT_IN["CO"]


def test_a_rulebook_must_cover_every_customer_variant_with_its_own_states_limits():
    adult = california.RULEBOOK.limits[Variant.ADULT_USE]
    with pytest.raises(ValueError, match="no purchase limits for"):
        StateRulebook(code="CA", name="California", limits={Variant.ADULT_USE: adult})
    with pytest.raises(ValueError, match="holds CA"):
        dataclasses.replace(colorado.RULEBOOK, limits=california.RULEBOOK.limits)
    with pytest.raises(ValueError, match="two capital letters"):
        dataclasses.replace(california.RULEBOOK, code="Cal")
    visitors = same_as(adult, Variant.ADULT_USE_NON_RESIDENT, "x")
    with pytest.raises(ValueError, match="holds CA adult_use_non_resident"):
        dataclasses.replace(
            california.RULEBOOK, limits={**california.RULEBOOK.limits, Variant.MEDICAL: visitors}
        )


def test_rule_values_must_say_where_they_come_from_and_make_sense():
    with pytest.raises(ValueError, match="where it comes from"):
        Fact(timedelta(hours=72), Mark.UNCONFIRMED, " ")
    with pytest.raises(ValueError, match="negative"):
        WasteRules(hold=Fact(timedelta(hours=-1), Mark.OPERATOR, "memo"))
    with pytest.raises(ValueError, match="fraction"):
        WasteRules(min_non_cannabis_share=Fact(Decimal(1), Mark.OPERATOR, "memo"))
    with pytest.raises(ValueError, match="at least one day"):
        CountRules(full_count_every_days=Fact(0, Mark.OPERATOR, "memo"))


def test_overriding_one_limit_keeps_the_rest_of_the_state_and_records_the_source():
    stricter = colorado.RULEBOOK.with_limit_overrides(
        Variant.ADULT_USE, source="County ordinance 12", caps={FLOWER_G: Decimal("2")}
    )
    changed = stricter.limits[Variant.ADULT_USE]
    assert (changed.caps[FLOWER_G].limit, changed.caps[FLOWER_G].source) == (
        Decimal("2"),
        "County ordinance 12",
    )
    assert stricter.limits[Variant.MEDICAL] is colorado.RULEBOOK.limits[Variant.MEDICAL]
    assert stricter.waste == colorado.RULEBOOK.waste
    assert FLOWER_G not in colorado.RULEBOOK.limits[Variant.ADULT_USE].caps  # built-in untouched
