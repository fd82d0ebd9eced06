"""New York's retail rules, as a built-in state plugin.

Independent caps on flower and concentrate; cycle counts.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.limits import (
    CONCENTRATE_G,
    FLOWER_G,
    Cap,
    LimitRuleSet,
    Variant,
    Window,
    concentrate_in_products,
    ounces,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    CountRules,
    Fact,
    StateRulebook,
)
from plugins.states.common import (
    INFUSED_BY_CONCENTRATE_NOTE,
    UNIT_WEIGHT_NOTE,
    D,
    S,
    variants,
)

_NY_ROW = "Reference table [s]: NY | 3 oz flower; 24 g concentrate | (no period given)"
_NY_ADULT = LimitRuleSet(
    state="NY",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(ounces(3), S, _NY_ROW),
        CONCENTRATE_G: Cap(D(24), S, _NY_ROW),
    },
    counting=concentrate_in_products(),
    mark=S,
    sources=(_NY_ROW,),
    notes=(
        "Window: the table gives no period and secondary sources disagree (per transaction or "
        "daily); we use the calendar day in the store's time zone, the stricter reading [u].",
        "3 oz = 85.049 g at 28.3495 g/oz (85.0485 g exactly); independent caps [u].",
        INFUSED_BY_CONCENTRATE_NOTE,
        UNIT_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="NY",
    name="New York",
    limits=variants(_NY_ADULT),
    counts=CountRules(
        cycle_count_every_days=Fact(
            7, S, "NY guidance: weekly cycle counts (LeafLedger reference, operations.md) [s]"
        )
    ),
    notes=("NY guidance also asks for every internal move logged and daily reconciliation [s].",),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
