"""ABC classes: which products deserve the most frequent counts (pure, no I/O).

A count costs staff time, so it goes where a miscount costs most. Two things make a product
costly to get wrong: how much money sits on the shelf (cost value on hand) and how often it moves
(units sold over the window: every sale is a chance to pick the wrong package or to pocket one).
Each measure ranks the location's products on its own; a product is class A on a measure while
the products ranked above it hold less than ``a_share`` of that measure's total (so the product
that crosses the line is A too: the classic Pareto cut), B while below ``b_share``, else C.
Nothing on hand and nothing sold is C.

The two classes combine by taking the HIGHER one: a cheap pre-roll that sells all day and an
expensive concentrate that sits in the vault both need frequent counts, for different reasons.
Averaging would let either risk hide behind the other.

Units sold are compared within a unit only: grams of flower and eaches of edibles are not the
same thing, so a gram product's velocity share is of all grams sold, an each product's of all
eaches sold.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

DEFAULT_A_SHARE = Decimal("0.80")
DEFAULT_B_SHARE = Decimal("0.95")


class AbcClass(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"


# A before B before C: the lower the rank, the more often counted.
_RANK = {AbcClass.A: 0, AbcClass.B: 1, AbcClass.C: 2}


def higher(first: AbcClass, second: AbcClass) -> AbcClass:
    """The class counted more often of the two."""
    return first if _RANK[first] <= _RANK[second] else second


@dataclass(frozen=True)
class ProductActivity:
    """What the classification reads of one product at one location."""

    product_id: int
    unit: str
    value_on_hand: Decimal
    units_sold: Decimal


@dataclass(frozen=True)
class ProductClass:
    product_id: int
    abc_class: AbcClass
    by_value: AbcClass
    by_velocity: AbcClass
    value_share: Decimal
    velocity_share: Decimal


def check_shares(a_share: Decimal, b_share: Decimal) -> None:
    """Raise ``ValueError`` unless 0 < a_share <= b_share <= 1."""
    if not (Decimal(0) < a_share <= b_share <= Decimal(1)):
        raise ValueError("the class shares must satisfy 0 < A share <= B share <= 1")


def _ranked(
    amounts: Mapping[int, Decimal], a_share: Decimal, b_share: Decimal
) -> dict[int, tuple[AbcClass, Decimal]]:
    """Each id's class by the cumulative share of the ids ranked above it, and its own share.

    Ties are broken by id so the same data always gives the same classes.
    """
    total = sum((a for a in amounts.values() if a > 0), Decimal(0))
    result: dict[int, tuple[AbcClass, Decimal]] = {}
    before = Decimal(0)
    for key, amount in sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0])):
        if amount <= 0 or total == 0:
            result[key] = (AbcClass.C, Decimal(0))
            continue
        share_before = before / total
        if share_before < a_share:
            cls = AbcClass.A
        elif share_before < b_share:
            cls = AbcClass.B
        else:
            cls = AbcClass.C
        result[key] = (cls, amount / total)
        before += amount
    return result


def classify(
    products: Iterable[ProductActivity],
    a_share: Decimal = DEFAULT_A_SHARE,
    b_share: Decimal = DEFAULT_B_SHARE,
) -> dict[int, ProductClass]:
    """Every product's ABC class (see the module text for the rule)."""
    check_shares(a_share, b_share)
    items = list(products)
    by_value = _ranked({p.product_id: p.value_on_hand for p in items}, a_share, b_share)
    by_velocity: dict[int, tuple[AbcClass, Decimal]] = {}
    for unit in {p.unit for p in items}:
        sold = {p.product_id: p.units_sold for p in items if p.unit == unit}
        by_velocity.update(_ranked(sold, a_share, b_share))
    classes: dict[int, ProductClass] = {}
    for p in items:
        value_cls, value_share = by_value[p.product_id]
        velocity_cls, velocity_share = by_velocity[p.product_id]
        classes[p.product_id] = ProductClass(
            product_id=p.product_id,
            abc_class=higher(value_cls, velocity_cls),
            by_value=value_cls,
            by_velocity=velocity_cls,
            value_share=value_share,
            velocity_share=velocity_share,
        )
    return classes
