"""California's retail rules, as a built-in state plugin.

Daily limits, not stacked across adult-use and medical; waste, counts and labels.

Numbers come from our reference table (its row is kept verbatim in each rule set's sources)
and carry their marks: [c] confirmed in a primary source, [s] secondary only, [u] our reasoned
choice. Operators change them with ``with_overrides`` (or a plugin of their own), never by
editing this module at a store.
"""

from __future__ import annotations

from domain.catalog.model import Category
from domain.limits import (
    CONCENTRATE_G,
    FLOWER_BY_WEIGHT,
    FLOWER_G,
    INFUSED,
    Cap,
    LimitRuleSet,
    Variant,
    Window,
    concentrate_in_products,
    ounces,
    same_as,
)
from plugins.hookspecs import hookimpl
from plugins.states.base import (
    Fact,
    LabelField,
    LabelRules,
    StateRulebook,
    WasteRules,
)
from plugins.states.common import (
    UNIT_WEIGHT_NOTE,
    C,
    D,
    S,
    variants,
)

_CA_LABELS = "4 CCR Div. 19, ch. 11, §§17404-17408; B&P §26120"
# The statute's words, as reproduced by secondary pages (not read at leginfo.ca.gov here):
# the operator confirms them against the current text (B&P §26120 was amended in 2022-2023).
_CA_WARNING_SEEN = (
    "as quoted from the statute by legalfina.com (Business & Professions, Cannabis, Packaging "
    "and labeling) and inkbrite.com ('What the California cannabis labeling checklists don't "
    "tell you') [s]"
)
_CA_CANNABIS_WARNING = (
    "GOVERNMENT WARNING: THIS PACKAGE CONTAINS CANNABIS, A SCHEDULE I CONTROLLED SUBSTANCE. "
    "KEEP OUT OF REACH OF CHILDREN AND ANIMALS. CANNABIS MAY ONLY BE POSSESSED OR CONSUMED BY "
    "PERSONS 21 YEARS OF AGE OR OLDER UNLESS THE PERSON IS A QUALIFIED PATIENT. CANNABIS USE "
    "WHILE PREGNANT OR BREASTFEEDING MAY BE HARMFUL. CONSUMPTION OF CANNABIS IMPAIRS YOUR "
    "ABILITY TO DRIVE AND OPERATE MACHINERY. PLEASE USE EXTREME CAUTION."
)
_CA_PRODUCT_WARNING = (
    "GOVERNMENT WARNING: THIS PRODUCT CONTAINS CANNABIS, A SCHEDULE I CONTROLLED SUBSTANCE. "
    "KEEP OUT OF REACH OF CHILDREN AND ANIMALS. CANNABIS PRODUCTS MAY ONLY BE POSSESSED OR "
    "CONSUMED BY PERSONS 21 YEARS OF AGE OR OLDER UNLESS THE PERSON IS A QUALIFIED PATIENT. THE "
    "INTOXICATING EFFECTS OF CANNABIS PRODUCTS MAY BE DELAYED UP TO TWO HOURS. CANNABIS USE "
    "WHILE PREGNANT OR BREASTFEEDING MAY BE HARMFUL. CONSUMPTION OF CANNABIS PRODUCTS IMPAIRS "
    "YOUR ABILITY TO DRIVE AND OPERATE MACHINERY. PLEASE USE EXTREME CAUTION."
)

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

RULEBOOK = StateRulebook(
    code="CA",
    name="California",
    limits=variants(
        _CA_ADULT,
        medical=_CA_MEDICAL,
        non_resident=same_as(
            _CA_ADULT,
            Variant.ADULT_USE_NON_RESIDENT,
            "Non-residents: §15409 makes no residency distinction [c].",
        ),
    ),
    waste=WasteRules(
        method=Fact(
            "removed from its packaging and made unusable and unrecognizable on site "
            "before disposal",
            S,
            "LeafLedger reference, state-systems.md, Waste [s]",
        )
    ),
    labels=LabelRules(
        required_fields=Fact(
            frozenset(
                {
                    LabelField.PRODUCT_IDENTITY,
                    LabelField.UNIVERSAL_SYMBOL,
                    LabelField.NET_QUANTITY,
                    LabelField.INFUSED_STATEMENT,
                    LabelField.LICENSEE_NAME,
                    LabelField.LICENSEE_CONTACT,
                    LabelField.DATE_PACKAGED,
                    LabelField.GOVERNMENT_WARNING,
                    LabelField.MEDICAL_USE_ONLY,
                    LabelField.INGREDIENTS,
                    LabelField.ALLERGENS,
                    LabelField.CANNABINOID_CONTENT,
                    LabelField.PACKAGE_TAG,
                    LabelField.BATCH_NUMBER,
                }
            ),
            C,
            _CA_LABELS,
        ),
        warnings=(Fact(_CA_CANNABIS_WARNING, S, f"B&P §26120(c)(1)(A), {_CA_WARNING_SEEN}"),),
        product_warnings=(
            Fact(
                _CA_PRODUCT_WARNING,
                S,
                f"B&P §26120(c)(1)(B); 4 CCR §17406(a)(3), {_CA_WARNING_SEEN}",
            ),
        ),
        min_type_size=Fact("6-point, in English", C, _CA_LABELS),
        symbol=Fact(
            "the state's universal symbol, at least 0.5 × 0.5 in, primary panel", C, _CA_LABELS
        ),
        notes=(
            "Primary panel: identity, symbol, net weight or volume in metric and US units; "
            "edibles say 'Cannabis-infused' above the identity [c].",
            "Informational panel: licensee name and contact, date packaged, the government "
            "warning in bold capitals, 'FOR MEDICAL USE ONLY' when THC exceeds adult-use "
            "limits, ingredients and allergens for products, cannabinoid content, the UID "
            "(METRC package tag) and batch number [c].",
            "Warning wording differs for cannabis (B&P §26120(c)(1)(A): flower, pre-rolls) and "
            "cannabis products (§26120(c)(1)(B), 4 CCR §17406(a)(3)): both ship, as quoted by "
            "secondary pages [s]; the operator confirms them against the current statute.",
        ),
    ),
    notes=(
        "Counts: 4 CCR §15424 requires reconciling physical stock against the records and "
        "reporting significant discrepancies [c]; a full count every 30 days and a 3-5 % "
        "discrepancy cap are cited [u], so full_count_every_days is left to configuration.",
    ),
)


@hookimpl
def register_states() -> list[StateRulebook]:
    return [RULEBOOK]
