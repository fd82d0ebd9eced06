"""Colorado's retail rules, as a built-in state plugin.

One combined per-transaction cap in flower equivalents; waste, labels, reporting.

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
    Fact,
    LabelField,
    LabelRules,
    ReportDeadlines,
    StateRulebook,
    WasteRules,
)
from plugins.states.common import (
    REALTIME_SOURCE,
    C,
    D,
    S,
    variants,
)

_CO_WASTE = "LeafLedger reference, state-systems.md, Waste [s]"
_CO_LABELS = "1 CCR 212-3, Rules 3-1005, 3-1010, 3-1015"

_CO_ROW = (
    "Reference table [s]: CO | 1 oz flower = 8 g concentrate = 800 mg THC edible, "
    "interchangeable | per transaction, combined equivalents"
)
_CO_ADULT = LimitRuleSet(
    state="CO",
    variant=Variant.ADULT_USE,
    window=Window.transaction(),
    caps={},
    combined=(ounce_equivalents(S, _CO_ROW, concentrate_g=D(8), edible_thc_mg=D(800)),),
    counting=thc_in_products(),
    mark=S,
    sources=(_CO_ROW,),
    notes=(
        "One combined cap: 1 oz of flower equivalent, where 8 g of concentrate or 800 mg of "
        "THC in products each equal 1 oz of flower [s].",
        "Tinctures, beverages and topicals count their THC as edibles [u].",
        "Infused pre-rolls count by weight as flower only [u].",
    ),
)

RULEBOOK = StateRulebook(
    code="CO",
    name="Colorado",
    limits=variants(_CO_ADULT, medical_hint="CO's medical limits are not in the table."),
    waste=WasteRules(
        method=Fact("ground and mixed 50/50 with non-cannabis waste", S, _CO_WASTE),
        min_non_cannabis_share=Fact(D("0.5"), S, _CO_WASTE),
    ),
    labels=LabelRules(
        required_fields=Fact(
            frozenset(
                {
                    LabelField.CULTIVATION_LICENSE,
                    LabelField.RETAIL_LICENSE,
                    LabelField.BATCH_NUMBER,
                    LabelField.PACKAGE_TAG,
                    LabelField.DATE_OF_SALE,
                    LabelField.NET_QUANTITY,
                    LabelField.UNIVERSAL_SYMBOL,
                    LabelField.CANNABINOID_CONTENT,
                    LabelField.USE_BY_DATE,
                    LabelField.GOVERNMENT_WARNING,
                }
            ),
            C,
            _CO_LABELS,
        ),
        warnings=(Fact("Contains Marijuana. Keep out of the reach of children.", C, _CO_LABELS),),
        min_type_size=Fact("required text at least 1/16 inch high", C, _CO_LABELS),
        symbol=Fact("the universal symbol, at least 0.5 in", C, _CO_LABELS),
        notes=(
            "Net weight in grams to 0.1 g; potency as total THC and CBD, % for flower and "
            "concentrate, mg for products; use-by dates where required [c].",
            "Warning statements on health risks, potency variance (±15 %), pregnancy and "
            "breastfeeding, and driving are required [c]; their wording is not in our "
            "reference, so the operator enters it from the cited rules [u].",
        ),
    ),
    reporting=ReportDeadlines(
        schedule=Fact("real time (no fixed delay published)", S, REALTIME_SOURCE)
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
