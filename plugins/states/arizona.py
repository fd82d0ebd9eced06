"""Arizona's retail rules, as a built-in state plugin.

1 oz, of which at most 5 g concentrate.

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
    StateRulebook,
)
from plugins.states.common import (
    INFUSED_BY_CONCENTRATE_NOTE,
    UNIT_WEIGHT_NOTE,
    D,
    S,
    variants,
)

_AZ_ROW = "Reference table [s]: AZ | 1 oz, of which ≤ 5 g concentrate | (no period given)"
_AZ_ADULT = LimitRuleSet(
    state="AZ",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={CONCENTRATE_G: Cap(D(5), S, _AZ_ROW)},
    combined=(total_of(ounces(1), S, _AZ_ROW),),
    counting=concentrate_in_products(),
    mark=S,
    sources=(_AZ_ROW,),
    notes=(
        "'Of which' is modelled as flower g + concentrate g together ≤ 1 oz (28.3495 g) and, "
        "independently, concentrate ≤ 5 g [u].",
        "Window: the table gives no period; secondary sources speak of both a 'daily "
        "allotment' and a single transaction, so we use the calendar day in the store's "
        "time zone, the stricter reading [u].",
        INFUSED_BY_CONCENTRATE_NOTE,
        UNIT_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="AZ",
    name="Arizona",
    limits=variants(
        _AZ_ADULT,
        medical_hint="AZ medical is reported as 2.5 oz per 14 days (secondary), not in the table.",
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
