"""New Jersey's retail rules, as a built-in state plugin.

One combined per-transaction cap in flower equivalents.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.limits import (
    LimitRuleSet,
    Variant,
    Window,
    ounce_equivalents,
    thc_in_products,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    StateRulebook,
)
from plugins.states.common import (
    C,
    D,
    variants,
)

_NJ_ROW = (
    "Reference table [c]: NJ | 1 oz flower, or 4 g concentrate, or 1,000 mg edible, in "
    "equivalents | per transaction"
)
_NJ_ADULT = LimitRuleSet(
    state="NJ",
    variant=Variant.ADULT_USE,
    window=Window.transaction(),
    caps={},
    combined=(ounce_equivalents(C, _NJ_ROW, concentrate_g=D(4), edible_thc_mg=D(1000)),),
    counting=thc_in_products(),
    mark=C,
    sources=(_NJ_ROW,),
    notes=(
        "One combined cap: 1 oz of flower equivalent, where 4 g of concentrate or 1,000 mg of "
        "THC in products each equal 1 oz of flower [c].",
        "Tinctures, beverages and topicals count their THC as edibles [u].",
    ),
)

RULEBOOK = StateRulebook(
    code="NJ",
    name="New Jersey",
    limits=variants(_NJ_ADULT),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
