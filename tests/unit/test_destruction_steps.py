"""The destruction steps: the state's confirmed rule first, then the location, then defaults;
and the order refusals come in. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.destruction.steps import Policy, destroy_refusal, non_cannabis_share, steps_for
from domain.errors import AlreadyDestroyed, DestructionHoldNotOver, MixTooLean, WitnessRequired
from domain.limits import Mark
from plugins.states import colorado
from plugins.states.base import Fact, WasteRules

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_a_confirmed_state_hold_wins_over_the_location():
    rules = WasteRules(hold=Fact(timedelta(hours=72), Mark.CONFIRMED, "rule 1"))
    steps = steps_for(rules, Policy(hold_minutes=10))
    assert (steps.hold, steps.hold_source) == (timedelta(hours=72), "rule 1")


def test_an_unconfirmed_hold_is_the_locations_configuration():
    steps = steps_for(WasteRules(), Policy(hold_minutes=3 * 24 * 60, witnesses=2))
    assert steps.hold == timedelta(days=3)
    assert steps.witnesses == 2
    assert steps.hold_source == "location waste policy"


def test_with_nothing_configured_there_is_no_hold_and_one_witness():
    steps = steps_for(None, Policy())
    assert (steps.hold, steps.witnesses) == (timedelta(0), 1)
    assert steps.witnesses_source.startswith("default")


def test_colorado_requires_half_non_cannabis_material():
    steps = steps_for(colorado.RULEBOOK.waste, Policy())
    assert steps.min_non_cannabis_share == Decimal("0.5")
    assert steps.method is not None
    assert "50/50" in steps.method


def _refusal(**changes):
    facts = dict(
        destruction_id=7,
        status="scheduled",
        hold_until=NOW,
        now=NOW,
        witnesses_required=1,
        witnesses_given=1,
        min_share=None,
        waste_weight=Decimal(10),
        mixing_weight=None,
    )
    facts.update(changes)
    return destroy_refusal(**facts)


def test_a_destruction_at_the_end_of_its_hold_with_its_witness_may_go_ahead():
    assert _refusal() is None


def test_refusals_come_in_the_order_a_person_fixes_them():
    assert isinstance(_refusal(status="destroyed", now=NOW - timedelta(1)), AlreadyDestroyed)
    early = _refusal(now=NOW - timedelta(minutes=1), witnesses_given=0)
    assert isinstance(early, DestructionHoldNotOver)
    assert early.hold_ends_at == NOW.isoformat()
    assert isinstance(_refusal(witnesses_given=0), WitnessRequired)
    lean = _refusal(min_share=Decimal("0.5"), mixing_weight=Decimal(9))
    assert isinstance(lean, MixTooLean)
    assert _refusal(min_share=Decimal("0.5"), mixing_weight=Decimal(10)) is None


def test_the_share_is_of_the_whole_mix():
    assert non_cannabis_share(Decimal(10), Decimal(10)) == Decimal("0.5")
    assert non_cannabis_share(Decimal(0), Decimal(0)) == 0
