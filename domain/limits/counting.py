"""How each product category counts toward a state's limits, and the shapes of combined caps.

The building blocks state plugins (``plugins/states/``, or a third party's) write rule sets
from: a state either counts infused products by the concentrate they contain (CA), by their THC
in milligrams (CO, NJ, IL) or by the product's net weight (OR, WA), and caps flower and
concentrate separately, in ounce equivalents, or as "N oz in all".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from domain.catalog.model import Category
from domain.limits.model import (
    CANNABIS_TOTAL_G,
    CONCENTRATE_G,
    EDIBLE_THC_MG,
    FLOWER_EQUIVALENT_G,
    FLOWER_G,
    LIQUID_EDIBLE_G,
    SOLID_EDIBLE_G,
    CombinedCap,
    Counts,
    LimitRuleSet,
    Mark,
    Measure,
    Variant,
    ounces,
)

_WEIGHT = Measure.CANNABIS_WEIGHT_G
THC = Measure.THC_MG
_CONTAINED = Measure.CONTAINED_CONCENTRATE_G
_NET = Measure.NET_WEIGHT_G
INFUSED = (Category.EDIBLE, Category.BEVERAGE, Category.TINCTURE, Category.TOPICAL)
FLOWER_BY_WEIGHT = (Counts(FLOWER_G, _WEIGHT),)
_CONCENTRATE_BY_WEIGHT = (Counts(CONCENTRATE_G, _WEIGHT),)

Counting = Mapping[Category, tuple[Counts, ...]]


def _by_weight() -> dict[Category, tuple[Counts, ...]]:
    """Flower and pre-rolls by cannabis weight; vapes and concentrates by weight."""
    return {
        Category.FLOWER: FLOWER_BY_WEIGHT,
        Category.PRE_ROLL: FLOWER_BY_WEIGHT,
        Category.VAPE: _CONCENTRATE_BY_WEIGHT,
        Category.CONCENTRATE: _CONCENTRATE_BY_WEIGHT,
    }


def concentrate_in_products() -> Counting:
    """CA's rule, reused where a state caps concentrate but says nothing of edibles.

    Infused products count the concentrate they contain (required: None cannot be evaluated);
    a pre-roll also counts its concentrate if it is infused (None there means "not infused").
    """
    counting = _by_weight()
    counting[Category.PRE_ROLL] = (
        Counts(FLOWER_G, _WEIGHT),
        Counts(CONCENTRATE_G, _CONTAINED, none_is_zero=True),
    )
    for category in INFUSED:
        counting[category] = (Counts(CONCENTRATE_G, _CONTAINED),)
    return counting


def thc_in_products() -> Counting:
    """Infused products count their THC in milligrams (CO, NJ, IL)."""
    counting = _by_weight()
    for category in INFUSED:
        counting[category] = (Counts(EDIBLE_THC_MG, THC),)
    return counting


def net_weight_of_products() -> Counting:
    """OR and WA cap edibles by product weight: solids, and liquids (tinctures, topicals)."""
    counting = _by_weight()
    counting[Category.EDIBLE] = (Counts(SOLID_EDIBLE_G, _NET),)
    for category in (Category.BEVERAGE, Category.TINCTURE, Category.TOPICAL):
        counting[category] = (Counts(LIQUID_EDIBLE_G, _NET),)
    return counting


def ounce_equivalents(mark: Mark, source: str, **equal_to_an_ounce: Decimal) -> CombinedCap:
    """'1 oz flower = X = Y', combined, capped at one ounce of flower equivalent."""
    return CombinedCap(
        bucket=FLOWER_EQUIVALENT_G,
        limit=ounces(1),
        reference=ounces(1),
        equivalents={FLOWER_G: ounces(1), **equal_to_an_ounce},
        mark=mark,
        source=source,
    )


def total_of(limit: Decimal, mark: Mark, source: str) -> CombinedCap:
    """The "N oz in all" half of an "N oz, of which at most X g concentrate" rule."""
    return CombinedCap(
        bucket=CANNABIS_TOTAL_G,
        limit=limit,
        reference=Decimal(1),
        equivalents={FLOWER_G: Decimal(1), CONCENTRATE_G: Decimal(1)},
        mark=mark,
        source=source,
    )


def same_as(base: LimitRuleSet, variant: Variant, note: str) -> LimitRuleSet:
    """``base``'s limits for another customer variant, with a note saying why they repeat."""
    return dataclasses.replace(base, variant=variant, notes=(*base.notes, note))
