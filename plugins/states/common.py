"""Per-state purchase-limit rule sets: the numbers, where they come from, and how sure we are.

Each state's adult-use rule set is written out from our reference table (its row is kept
verbatim in ``sources``, with its mark: [c] confirmed in a primary source, [s] secondary only,
[u] our reasoned choice). Where the table leaves something open the choice is spelt out in
``notes`` and marked [u]. Medical and non-resident variants exist for every state so that a
lookup never silently falls through; where the table gives no separate numbers they repeat
the adult-use limits and say so. How categories count and the shapes of combined caps are in
:mod:`domain.limits.counting`.

Operators change numbers with :func:`domain.limits.model.with_overrides`, never by editing
this module at a store.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from domain.catalog.model import Category
from domain.limits.counting import (
    FLOWER_BY_WEIGHT,
    INFUSED,
    INFUSED_BY_CONCENTRATE_NOTE,
    THC,
    UNIT_WEIGHT_NOTE,
    Counting,
    concentrate_in_products,
    net_weight_of_products,
    ounce_equivalents,
    same_as,
    thc_in_products,
    total_of,
    variants,
)
from domain.limits.model import (
    CONCENTRATE_G,
    CONCENTRATE_THC_MG,
    EDIBLE_THC_MG,
    FLOWER_G,
    LIQUID_EDIBLE_G,
    SOLID_EDIBLE_G,
    Cap,
    Counts,
    Customer,
    LimitRuleSet,
    Mark,
    Variant,
    Window,
    ounces,
    variant_for,
)

C, S, U = Mark.CONFIRMED, Mark.SECONDARY, Mark.UNCONFIRMED
D = Decimal


# --- California -------------------------------------------------------------------------------
_CA_ROW = (
    "Reference table [c]: CA | 28.5 g non-concentrated; 8 g concentrate, including concentrate "
    "contained in products; medical 8 oz | per customer per day; adult-use and medical not "
    "stacked"
)
_CA_REG = "4 CCR §15409 (a)(1)-(2), (b)(1), (c)-(e) (DCC daily limits)"
_CA_COMMON_NOTES = (
    "Window: the calendar day in the store's time zone ('in a single day') [c].",
    "Not stacked (§15409(d)): the sales service must pass every line sold to the customer "
    "that day, adult-use and medical alike, as prior_lines.",
    "The table's medical 8 oz is a separate variant; immature plants (6 adult-use, 12 medical) "
    "are not modelled: the catalogue has no plant category.",
)
_CA_ADULT = LimitRuleSet(
    state="CA",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(D("28.5"), C, f"{_CA_REG}: 28.5 grams of non-concentrated cannabis"),
        CONCENTRATE_G: Cap(
            D(8), C, f"{_CA_REG}: 8 grams of concentrate, incl. concentrate in products"
        ),
    },
    counting=concentrate_in_products(),
    mark=C,
    sources=(_CA_ROW, _CA_REG),
    notes=(
        *_CA_COMMON_NOTES,
        "28.5 g is CA's own number, not 1 oz at 28.3495 g.",
        "Concentrate contained in products counts (§15409(a)(2), (e)): edibles, beverages, "
        "tinctures and topicals need concentrate_grams_per_unit (0 if there truly is none) "
        "[u: the catalogue's None means 'not applicable', which for these categories cannot "
        "be told apart from 'unknown', so None is refused]; infused pre-rolls count theirs "
        "too, None there meaning 'not infused'.",
        "Topicals count toward concentrate: §15409 does not exempt them [u].",
        UNIT_WEIGHT_NOTE,
    ),
)
_CA_MEDICAL = LimitRuleSet(
    state="CA",
    variant=Variant.MEDICAL,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(ounces(8), C, f"{_CA_REG}: 8 ounces of medicinal dried mature flowers"),
    },
    counting={Category.FLOWER: FLOWER_BY_WEIGHT, Category.PRE_ROLL: FLOWER_BY_WEIGHT},
    exempt=frozenset(
        {Category.VAPE, Category.CONCENTRATE, *INFUSED},
    ),
    mark=C,
    sources=(_CA_ROW, _CA_REG),
    notes=(
        *_CA_COMMON_NOTES,
        "8 oz = 226.796 g at 28.3495 g/oz.",
        "§15409(b) caps only dried flower for patients and sets no daily cap on products, so "
        "concentrates and infused products are exempt for medical [u: confirm with counsel].",
        "Pre-rolls count as dried flower [u].",
        "§15409(c): a physician's recommendation may allow more; apply it per patient with "
        "with_overrides, citing the recommendation.",
    ),
)

# --- Colorado ---------------------------------------------------------------------------------
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

# --- Massachusetts ----------------------------------------------------------------------------
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

# --- Michigan ---------------------------------------------------------------------------------
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

# --- Nevada -----------------------------------------------------------------------------------
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

# --- Oregon and Washington: independent caps, edibles by product weight ----------------------
_LIQUID_NOTE = (
    "'72 oz liquid' is read as 72 ounces of product net weight (2,041.164 g); as fluid ounces "
    "it would be about 2,129 mL, so the weight reading is stricter for anything no denser "
    "than about 1.04 g/mL [u]."
)
_NET_WEIGHT_NOTE = (
    "Solid and liquid caps need each product's net_weight_grams, which the catalogue does not "
    "hold yet; until it does, such lines cannot be evaluated."
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
        _LIQUID_NOTE,
        _NET_WEIGHT_NOTE,
    ),
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
        _LIQUID_NOTE,
        _NET_WEIGHT_NOTE,
    ),
)

# --- Illinois ---------------------------------------------------------------------------------
_IL_ROW = "Reference table [s]: IL | residents 30 g / 5 g / 500 mg; non-residents half | cumulative"
_IL_NOTES = (
    "'Cumulative' is read as: each category adds up across products, and the three caps are "
    "independent of each other [u].",
    "Window: the table gives none; IL's numbers are possession amounts, so purchases add up "
    "over the calendar day in the store's time zone (stricter than per transaction) [u].",
    "Tinctures, beverages and topicals count their THC as infused products [u].",
)
_IL_ADULT = LimitRuleSet(
    state="IL",
    variant=Variant.ADULT_USE,
    window=Window.calendar_day(),
    caps={
        FLOWER_G: Cap(D(30), S, _IL_ROW),
        CONCENTRATE_G: Cap(D(5), S, _IL_ROW),
        EDIBLE_THC_MG: Cap(D(500), S, _IL_ROW),
    },
    counting=thc_in_products(),
    mark=S,
    sources=(_IL_ROW,),
    notes=_IL_NOTES,
)
_IL_NON_RESIDENT = dataclasses.replace(
    _IL_ADULT,
    variant=Variant.ADULT_USE_NON_RESIDENT,
    caps={
        FLOWER_G: Cap(D(15), S, f"{_IL_ROW} (half of 30 g)"),
        CONCENTRATE_G: Cap(D("2.5"), S, f"{_IL_ROW} (half of 5 g)"),
        EDIBLE_THC_MG: Cap(D(250), S, f"{_IL_ROW} (half of 500 mg)"),
    },
    notes=(*_IL_NOTES, "Non-residents: half of each resident cap [s]."),
)

# --- New York ---------------------------------------------------------------------------------
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

# --- New Jersey -------------------------------------------------------------------------------
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

# --- Arizona ----------------------------------------------------------------------------------
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

RULE_SETS: dict[str, dict[Variant, LimitRuleSet]] = {
    "CA": variants(
        _CA_ADULT,
        medical=_CA_MEDICAL,
        non_resident=same_as(
            _CA_ADULT,
            Variant.ADULT_USE_NON_RESIDENT,
            "Non-residents: §15409 makes no residency distinction [c].",
        ),
    ),
    "CO": variants(_CO_ADULT, medical_hint="CO's medical limits are not in the table."),
    "MA": variants(
        _MA_ADULT,
        medical_hint="MA's medical 60-day supply (secondary) is not in the table.",
    ),
    "MI": variants(_MI_ADULT),
    "NV": variants(_NV_ADULT),
    "OR": variants(_OR_ADULT),
    "WA": variants(
        _WA_ADULT,
        medical_hint="Patients in WA's medical authorization database "
        "have higher limits (WAC 314-55-095(2)) not in the table.",
    ),
    "IL": variants(
        _IL_ADULT,
        non_resident=_IL_NON_RESIDENT,
        medical_hint="IL medical is reported as 2.5 oz per 14 days (secondary), not in the table.",
    ),
    "NY": variants(_NY_ADULT),
    "NJ": variants(_NJ_ADULT),
    "AZ": variants(
        _AZ_ADULT,
        medical_hint="AZ medical is reported as 2.5 oz per 14 days (secondary), not in the table.",
    ),
}


def rule_set(state: str, customer: Customer) -> LimitRuleSet:
    """The built-in rule set for ``customer`` in ``state`` (two-letter code, any case).

    Medical customers get the medical variant, which repeats the adult-use limits where the
    table has no medical numbers (its notes say so). Raises ``KeyError`` for a state without
    rule sets: a store there must not sell until someone writes one.
    """
    try:
        variants = RULE_SETS[state.strip().upper()]
    except KeyError:
        raise KeyError(f"no purchase-limit rules for state {state!r}") from None
    return variants[variant_for(customer)]


__all__ = ["RULE_SETS", "rule_set"]
