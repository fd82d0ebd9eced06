"""Illinois's retail rules, as a built-in state plugin.

Independent caps, halved for non-residents.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

import dataclasses

from domain.limits import (
    CONCENTRATE_G,
    EDIBLE_THC_MG,
    FLOWER_G,
    Cap,
    LimitRuleSet,
    Variant,
    Window,
    thc_in_products,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    StateRulebook,
)
from plugins.states.common import (
    D,
    S,
    variants,
)

_IL_ROW = "Reference table [s]: IL | residents 30 g / 5 g / 500 mg; non-residents half | cumulative"
_IL_NOTES = (
    "'Cumulative' is read as: each category adds up across products, and the three caps are "
    "independent of each other [u].",
    "Window: the table gives none; IL's numbers are possession amounts, so purchases add up "
    "over the calendar day in the store's time zone (stricter than per transaction) [u].",
    "Tinctures, beverages and topicals count their THC as infused products [u].",
)
_IL_ADULT = LimitRuleSet(
    state="IL",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(D(30), S, _IL_ROW),
        CONCENTRATE_G: Cap(D(5), S, _IL_ROW),
        EDIBLE_THC_MG: Cap(D(500), S, _IL_ROW),
    },
    counting=thc_in_products(),
    mark=S,
    sources=(_IL_ROW,),
    notes=_IL_NOTES,
)
_IL_NON_RESIDENT = dataclasses.replace(
    _IL_ADULT,
    variant=Variant.ADULT_USE_NON_RESIDENT,
    caps={
        FLOWER_G: Cap(D(15), S, f"{_IL_ROW} (half of 30 g)"),
        CONCENTRATE_G: Cap(D("2.5"), S, f"{_IL_ROW} (half of 5 g)"),
        EDIBLE_THC_MG: Cap(D(250), S, f"{_IL_ROW} (half of 500 mg)"),
    },
    notes=(*_IL_NOTES, "Non-residents: half of each resident cap [s]."),
)

RULEBOOK = StateRulebook(
    code="IL",
    name="Illinois",
    limits=variants(
        _IL_ADULT,
        non_resident=_IL_NON_RESIDENT,
        medical_hint="IL medical is reported as 2.5 oz per 14 days (secondary), not in the table.",
    ),
    notes=(
        "Waste: IL is reported to require a 3-day hold before destruction [u], so the hold is "
        "left to configuration.",
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
