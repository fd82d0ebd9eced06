"""What the built-in state plugins share: mark shorthands, notes several states repeat, and the
variant set every rulebook needs.

Each built-in state's rule set is written out from our reference table (its row is kept
verbatim in ``sources``, with its mark). Where the table leaves something open the choice is
spelt out in ``notes`` and marked [u]. Medical and non-resident variants exist for every state
so that a lookup never silently falls through; where the table gives no separate numbers they
repeat the adult-use limits and say so.
"""

from __future__ import annotations

from decimal import Decimal

from domain.limits import LimitRuleSet, Mark, Variant, same_as

C, S, U = Mark.CONFIRMED, Mark.SECONDARY, Mark.UNCONFIRMED
D = Decimal

REALTIME_SOURCE = (
    "LeafLedger reference, operations.md: MD, CO, OK, MT, MO, MA, MI, DC, MN, WV require "
    "real-time reporting [s]"
)
INFUSED_BY_CONCENTRATE_NOTE = (
    "Edibles, beverages, tinctures and topicals count the concentrate they contain "
    "(concentrate_grams_per_unit, required; 0 if there truly is none), as CA's rule does; "
    "infused pre-rolls also count theirs [u: the table says nothing of infused products]."
)
UNIT_WEIGHT_NOTE = (
    "Pre-rolls count unit_weight_grams as flower; if that weight includes an infused "
    "pre-roll's concentrate, that part is counted twice (stricter) [u]."
)
LIQUID_NOTE = (
    "'72 oz liquid' is read as 72 ounces of product net weight (2,041.164 g); as fluid ounces "
    "it would be about 2,129 mL, so the weight reading is stricter for anything no denser "
    "than about 1.04 g/mL [u]."
)
NET_WEIGHT_NOTE = (
    "Solid and liquid caps need each product's net_weight_grams, which the catalogue does not "
    "hold yet; until it does, such lines cannot be evaluated."
)


def variants(
    adult_use: LimitRuleSet,
    *,
    medical: LimitRuleSet | None = None,
    non_resident: LimitRuleSet | None = None,
    medical_hint: str = "",
) -> dict[Variant, LimitRuleSet]:
    """All three variants from the adult-use rule set; missing ones repeat it and say so."""
    state = adult_use.state
    fallback = (
        f"Medical: the reference table gives no medical numbers for {state}, so the adult-use "
        f"limits apply to patients [u]. {medical_hint}".strip()
    )
    same = f"Non-residents: the table makes no residency distinction for {state} [u]."
    return {
        Variant.ADULT_USE: adult_use,
        Variant.ADULT_USE_NON_RESIDENT: non_resident
        or same_as(adult_use, Variant.ADULT_USE_NON_RESIDENT, same),
        Variant.MEDICAL: medical or same_as(adult_use, Variant.MEDICAL, fallback),
    }
