"""Michigan's retail rules, as a built-in state plugin.

2.5 oz per transaction, of which at most 15 g concentrate; reporting.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.limits import (
    CONCENTRATE_G,
    Cap,
    LimitRuleSet,
    Variant,
    Window,
    concentrate_in_products,
    ounces,
    total_of,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    Fact,
    ReportDeadlines,
    StateRulebook,
)
from plugins.states.common import (
    INFUSED_BY_CONCENTRATE_NOTE,
    REALTIME_SOURCE,
    UNIT_WEIGHT_NOTE,
    D,
    S,
    variants,
)

_MI_ROW = "Reference table [s]: MI | 2.5 oz, of which ≤ 15 g concentrate | per transaction"
_MI_ADULT = LimitRuleSet(
    state="MI",
    variant=Variant.ADULT_USE,
    window=Window.transaction(),
    caps={CONCENTRATE_G: Cap(D(15), S, _MI_ROW)},
    combined=(total_of(ounces("2.5"), S, _MI_ROW),),
    counting=concentrate_in_products(),
    mark=S,
    sources=(_MI_ROW, "MRTMA MCL 333.27955(1)(a) as quoted by a secondary source"),
    notes=(
        "'Of which' is modelled as flower g + concentrate g together ≤ 2.5 oz (70.874 g) and, "
        "independently, concentrate ≤ 15 g [u].",
        INFUSED_BY_CONCENTRATE_NOTE,
        "Open: the MRA's equivalency for infused products (reported for medical as 16 oz "
        "solid / 36 fl oz liquid / 7 g gaseous = 1 oz) is not in our table.",
        UNIT_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="MI",
    name="Michigan",
    limits=variants(_MI_ADULT),
    reporting=ReportDeadlines(
        schedule=Fact(
            "real time; a 24-hour catch-up rule when METRC is down",
            S,
            f"{REALTIME_SOURCE}; 24-hour catch-up rule",
        )
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
