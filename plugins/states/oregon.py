"""Oregon's retail rules, as a built-in state plugin.

Independent daily caps, edibles by product weight.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.limits import (
    CONCENTRATE_G,
    FLOWER_G,
    LIQUID_EDIBLE_G,
    SOLID_EDIBLE_G,
    Cap,
    LimitRuleSet,
    Variant,
    Window,
    net_weight_of_products,
    ounces,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    StateRulebook,
)
from plugins.states.common import (
    LIQUID_NOTE,
    NET_WEIGHT_NOTE,
    D,
    S,
    variants,
)

_OR_ROW = (
    "Reference table [s]: OR | 1 oz flower; 5 g extracts; 16 oz solid edibles; 72 oz liquid "
    "| per day, independent caps"
)
_OR_ADULT = LimitRuleSet(
    state="OR",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(ounces(1), S, _OR_ROW),
        CONCENTRATE_G: Cap(D(5), S, _OR_ROW),
        SOLID_EDIBLE_G: Cap(ounces(16), S, _OR_ROW),
        LIQUID_EDIBLE_G: Cap(ounces(72), S, _OR_ROW),
    },
    counting=net_weight_of_products(),
    mark=S,
    sources=(_OR_ROW,),
    notes=(
        "Window: the calendar day in the store's time zone [s].",
        "Independent caps: maxing flower and extracts together is allowed [s].",
        "Tinctures and topicals count as liquid products [u].",
        LIQUID_NOTE,
        NET_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="OR",
    name="Oregon",
    limits=variants(_OR_ADULT),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
