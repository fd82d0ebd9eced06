"""What a refusal says to someone counting blind (pure: no database)."""

from __future__ import annotations

from decimal import Decimal

from domain import errors
from domain.counts.blind import refusal_for
from domain.counts.queries import NOBODY_BLIND, BlindScope

COUNTING = BlindScope(
    zones=frozenset({7}), packages=frozenset({1}), tags=frozenset({"T1"}), products=frozenset({3})
)


def _short(tag: str, zone_id: int) -> errors.InsufficientStock:
    return errors.InsufficientStock(tag, zone_id, "Floor", Decimal(5), Decimal("2.5"))


def test_a_counter_is_told_the_stock_is_short_but_not_what_it_holds():
    told = refusal_for(_short("T9", 7), COUNTING)
    assert isinstance(told, errors.InsufficientStock)
    assert told.available is None
    assert told.message == "T9 has less than 5 in Floor"


def test_everyone_else_hears_the_figure():
    assert refusal_for(_short("T9", 8), COUNTING).message == "T9 has 2.5 in Floor; 5 was requested"
    assert refusal_for(_short("T1", 7), NOBODY_BLIND).message.startswith("T1 has 2.5")


def test_an_order_shortage_hides_the_counted_products_and_packages_only():
    shortage = errors.ReservationShortage(
        [
            errors.MissingStock("product 3", 3, None, Decimal(4), Decimal(1)),
            errors.MissingStock("package T1", None, "T1", Decimal(2), Decimal(1)),
            errors.MissingStock("product 4", 4, None, Decimal(4), Decimal(3)),
        ]
    )
    told = refusal_for(shortage, COUNTING)
    assert isinstance(told, errors.ReservationShortage)
    assert [m.available for m in told.missing] == [None, None, Decimal(3)]
    assert told.message == (
        "not enough sellable stock: product 3: less than 4; package T1: less than 2;"
        " product 4: 3 of 4"
    )
