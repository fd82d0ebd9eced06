"""Washington's retail rules, as a built-in state plugin.

Independent per-transaction caps, edibles by product weight; weekly CCRS reporting.

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
    Fact,
    ReportDeadlines,
    StateRulebook,
)
from plugins.states.common import (
    LIQUID_NOTE,
    NET_WEIGHT_NOTE,
    C,
    D,
    variants,
)

_WA_ROW = (
    "Reference table [c]: WA | 1 oz usable; 7 g concentrate; 16 oz solid; 72 oz liquid | per "
    "transaction, independent caps"
)
_WA_WAC = "WAC 314-55-095(1)(d)(i) (version effective 2025-01-07)"
_WA_ADULT = LimitRuleSet(
    state="WA",
    variant=Variant.ADULT_USE,
    window=Window.transaction(),
    caps={
        FLOWER_G: Cap(ounces(1), C, f"{_WA_WAC}(A): one ounce of useable cannabis"),
        CONCENTRATE_G: Cap(D(7), C, f"{_WA_WAC}(C): 7 grams of extract or concentrate"),
        SOLID_EDIBLE_G: Cap(ounces(16), C, f"{_WA_WAC}(B): 16 ounces in solid form"),
        LIQUID_EDIBLE_G: Cap(ounces(72), C, f"{_WA_WAC}(E): 72 ounces in liquid form"),
    },
    counting=net_weight_of_products(),
    mark=C,
    sources=(_WA_ROW, _WA_WAC),
    notes=(
        "Independent caps per transaction [c].",
        "Topicals count as liquid: the WAC's liquid cap covers products 'applied topically to "
        "the skin' [c]; solid balms are counted there too [u].",
        "Not modelled (open): the WAC's ten units of products 'otherwise taken into the body' "
        "(category 'other' cannot be evaluated) and its 200 mg THC cap for liquids packaged "
        "in units of at most 4 mg.",
        LIQUID_NOTE,
        NET_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="WA",
    name="Washington",
    limits=variants(
        _WA_ADULT,
        medical_hint="Patients in WA's medical authorization database "
        "have higher limits (WAC 314-55-095(2)) not in the table.",
    ),
    reporting=ReportDeadlines(
        schedule=Fact(
            "weekly CCRS files for Sunday to Saturday, due the following Sunday",
            C,
            "LeafLedger reference, state-systems.md, WA CCRS [c]",
        )
    ),
    notes=(
        "Waste: the BioTrack-era flow scheduled a destruction and destroyed it after a hold "
        "(72 h often cited) [u], so the hold is left to configuration.",
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
