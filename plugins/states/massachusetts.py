"""Massachusetts's retail rules, as a built-in state plugin.

One combined daily cap in flower equivalents, topicals exempt; reporting.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.catalog.model import Category
from domain.limits import (
    CONCENTRATE_THC_MG,
    EDIBLE_THC_MG,
    FLOWER_BY_WEIGHT,
    THC,
    Counting,
    Counts,
    LimitRuleSet,
    Variant,
    Window,
    ounce_equivalents,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    Fact,
    ReportDeadlines,
    StateRulebook,
)
from plugins.states.common import (
    REALTIME_SOURCE,
    C,
    D,
    S,
    variants,
)

_MA_ROW = (
    "Reference table [c]: MA | 1 oz flower = 5 g THC in concentrate = 500 mg THC edible, "
    "combined; topicals exempt; the POS must block over-limit sales | per day"
)
_MA_COUNTING: Counting = {
    Category.FLOWER: FLOWER_BY_WEIGHT,
    Category.PRE_ROLL: FLOWER_BY_WEIGHT,
    Category.VAPE: (Counts(CONCENTRATE_THC_MG, THC),),
    Category.CONCENTRATE: (Counts(CONCENTRATE_THC_MG, THC),),
    Category.TINCTURE: (Counts(CONCENTRATE_THC_MG, THC),),
    Category.EDIBLE: (Counts(EDIBLE_THC_MG, THC),),
    Category.BEVERAGE: (Counts(EDIBLE_THC_MG, THC),),
}
_MA_ADULT = LimitRuleSet(
    state="MA",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={},
    combined=(ounce_equivalents(C, _MA_ROW, concentrate_thc_mg=D(5000), edible_thc_mg=D(500)),),
    counting=_MA_COUNTING,
    exempt=frozenset({Category.TOPICAL}),
    mark=C,
    sources=(_MA_ROW,),
    notes=(
        "Window: the calendar day in the store's time zone [c].",
        "'5 g THC in concentrate' is read as 5 g (5,000 mg) of THC contained in concentrates, "
        "not 5 g of concentrate by weight, so vapes and concentrates need thc_mg_per_unit "
        "[u: the reading; the numbers are c].",
        "Tinctures count with concentrates, beverages with edibles [u].",
        "Topicals are exempt [c].",
        "'The POS must block over-limit sales': an evaluate() refusal is that block.",
    ),
)

RULEBOOK = StateRulebook(
    code="MA",
    name="Massachusetts",
    limits=variants(
        _MA_ADULT,
        medical_hint="MA's medical 60-day supply (secondary) is not in the table.",
    ),
    reporting=ReportDeadlines(
        schedule=Fact("real time (no fixed delay published)", S, REALTIME_SOURCE)
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
