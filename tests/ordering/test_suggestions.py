"""Reorder suggestions read from the ledger: a buyer sees what to order, from whom, and why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain import db
from domain.catalog import services as catalog
from domain.catalog.model import LabStatus
from domain.demo.history import Stocked
from domain.inventory import packages
from domain.ordering import policy, reorder, suggestions
from domain.roles import Role
from tests.ordering.helpers import local_today, product, seed, steady_days
from tests.support.units import new_uow


async def _steady(store, sku: str, first_tag: int, **options) -> int:
    product_id = await product(store, sku)
    today = await local_today(store.location_id)
    history = steady_days(today - timedelta(days=42), 42, 4, empty=(10, 20, 30), **options)
    await seed(store, [Stocked(product_id, 4.0, 365)], history, first_tag)
    return product_id


def _line(found: suggestions.ReorderSuggestions, product_id: int) -> suggestions.Suggestion:
    return next(
        line for order in found.orders for line in order.lines if line.product_id == product_id
    )


async def test_demand_is_learned_from_days_the_product_was_on_the_floor(world):
    ca = world.ca
    product_id = await _steady(ca, "GUM-STEADY", 1)

    found = await suggestions.reorder_suggestions(ca.users[Role.MANAGER], [ca.location_id])

    line = _line(found, product_id)
    why = line.why
    # Four a day whenever it was on the floor; the three rush days that emptied it and the
    # three empty days after them are left out (counting them would say 4.4 or 3.6 a day).
    assert why.demand_per_day == Decimal("4.000")
    assert why.weekday_factor == Decimal("1.0")
    assert (why.stockout_days, why.days_observed) == (6, 36)
    # 200 delivered, 36 x 4 + 3 x 10 sold: 26 left. A week's lead and daily ordering: reorder
    # below 8 days of demand (32, no safety stock for demand that never varied), up to 9 (36).
    assert (why.on_hand, why.on_order, why.reserved, why.expiring_soon) == (
        Decimal("26.000"),
        Decimal("0"),
        Decimal("0.000"),
        Decimal("0.000"),
    )
    assert (why.reorder_point, why.order_up_to, why.safety_stock) == (
        Decimal("32.000"),
        Decimal("36.000"),
        Decimal("0.000"),
    )
    assert line.quantity == Decimal("10.000")
    assert (why.lead_time_days, why.lead_time_learned, why.service_level) == (
        Decimal("7.000"),
        False,
        Decimal("0.95"),
    )
    assert why.sellable_days == 360
    assert why.bound == reorder.Bound.ORDER_UP_TO
    [order] = found.orders
    assert (order.vendor_id, order.order_on) == (None, await local_today(ca.location_id))
    assert order.value == Decimal("55.00")  # 10 at the product's cost of 5.50


async def test_stock_that_expires_before_it_sells_is_not_counted_and_caps_the_order(world):
    ca = world.ca
    product_id = await _steady(ca, "SELTZER", 1, delivered=400, shelf_life=53)

    line = _line(
        await suggestions.reorder_suggestions(ca.users[Role.MANAGER], [ca.location_id]),
        product_id,
    )

    # 226 on hand, good through the 48th day from delivery (today is the 42nd): at 4 a day,
    # 28 of it sells in time and 198 will expire, so it is not stock to plan with.
    why = line.why
    assert why.on_hand == Decimal("226.000")
    assert why.expiring_soon == Decimal("198.000")
    assert why.position == Decimal("28.000")
    assert line.quantity == Decimal("8.000")
    # Deliveries have had 48 days before their date: at most 4 x (7 + 48) - 28 = 192 sells.
    assert why.sellable_days == 48
    assert why.expiry_cap == Decimal("192.000")


async def test_recalled_failed_and_discontinued_products_are_not_suggested(world):
    ca = world.ca
    manager = ca.users[Role.MANAGER]
    ordinary = await _steady(ca, "ORDINARY", 1)
    recalled = await _steady(ca, "RECALLED", 1000)
    failed = await _steady(ca, "FAILED", 2000)
    retired = await _steady(ca, "RETIRED", 3000)
    async with db.connection() as conn:
        batch = await conn.fetchval("SELECT batch FROM package WHERE product = $1", recalled)
    await packages.recall_batch(
        new_uow(), manager, packages.RecallBatch(ca.location_id, batch, "mislabelled potency")
    )
    await catalog.create_batch(
        new_uow(),
        ca.users[Role.ADMIN],
        catalog.CreateBatch(
            catalog.BatchFields(
                product_id=failed, producer_batch_number="RETEST-1", lab_status=LabStatus.FAILED
            )
        ),
    )
    await catalog.update_product(
        new_uow(), ca.users[Role.ADMIN], catalog.UpdateProduct(retired, {"active": False})
    )

    found = await suggestions.reorder_suggestions(manager, [ca.location_id])

    suggested = {line.product_id for order in found.orders for line in order.lines}
    assert ordinary in suggested
    assert not suggested & {recalled, failed, retired}
    reasons = {e.product_id: e.reason for e in found.excluded}
    assert reasons == {recalled: "recalled", failed: "failed_lab", retired: "discontinued"}


async def test_a_category_service_level_raises_its_safety_stock(world):
    ca = world.ca
    product_id = await product(ca, "NOISY")
    today = await local_today(ca.location_id)
    history = steady_days(today - timedelta(days=42), 42, 4, empty=())
    # Vary the sales: alternate 2 and 6 (still 4 a day on average).
    history.events = [
        e if e.kind != "sale" else type(e)(e.day, e.kind, e.lot, 2 if e.day % 2 else 6)
        for e in history.events
    ]
    await seed(ca, [Stocked(product_id, 4.0, 365)], history)
    manager = ca.users[Role.MANAGER]
    before = _line(await suggestions.reorder_suggestions(manager, [ca.location_id]), product_id)

    await policy.set_ordering_policy(
        new_uow(), manager, policy.SetOrderingPolicy(ca.location_id, "flower", Decimal("0.99"))
    )
    after = _line(await suggestions.reorder_suggestions(manager, [ca.location_id]), product_id)

    assert before.why.service_level == Decimal("0.95")
    assert after.why.service_level == Decimal("0.9900")
    assert after.why.safety_stock > before.why.safety_stock > 0
    assert after.quantity > before.quantity
