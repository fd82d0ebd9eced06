"""Nevada's retail rules, as a built-in state plugin.

Independent per-transaction caps on flower and concentrate.

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
    StateRulebook,
)
from plugins.states.common import (
    INFUSED_BY_CONCENTRATE_NOTE,
    UNIT_WEIGHT_NOTE,
    S,
    variants,
)

_NV_ROW = "Reference table [s]: NV | 2.5 oz flower; ¼ oz concentrate (since 2024) | per transaction"
_NV_ADULT = LimitRuleSet(
    state="NV",
    variant=Variant.ADULT_USE,
    window=Window.transaction(),
    caps={
        FLOWER_G: Cap(ounces("2.5"), S, _NV_ROW),
        CONCENTRATE_G: Cap(ounces("0.25"), S, _NV_ROW),
    },
    counting=concentrate_in_products(),
    mark=S,
    sources=(_NV_ROW, "SB 277 (2023), effective 2024-01-01, per secondary sources"),
    notes=(
        "Two independent caps: 2.5 oz (70.874 g) flower and ¼ oz (7.087 g) concentrate [u].",
        INFUSED_BY_CONCENTRATE_NOTE,
        "Open: the CCB publishes a transaction-limit exchange chart for products; replace the "
        "counting when it is confirmed.",
        UNIT_WEIGHT_NOTE,
    ),
)

RULEBOOK = StateRulebook(
    code="NV",
    name="Nevada",
    limits=variants(_NV_ADULT),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
