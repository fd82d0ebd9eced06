"""What the reorder suggestions learn from purchasing: whom a product is bought from, in what
packs and minimums, how long it takes to come and how much is already on its way."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.ordering.terms import DEFAULT_LEAD_TIME_DAYS, SupplyTerms, supply_terms
from domain.purchasing import orders
from domain.receiving.model import Decision
from domain.roles import Role
from tests.purchasing import helpers
from tests.support.units import new_uow


async def _terms(world, *product_ids: int) -> dict[int, SupplyTerms]:
    async with db.connection() as conn:
        return await supply_terms(conn, world.ca.location_id, list(product_ids))


async def test_the_preferred_vendor_wins_else_the_cheapest_and_open_orders_are_on_order(world):
    cheap = await helpers.vendor(world, "Cheap Co", lead_days=10)
    dear = await helpers.vendor(world, "Dear Co", lead_days=3)
    pre_roll = await helpers.product(world, "PR-1G")
    unsold = await helpers.product(world, "NOBODY-SELLS")
    await helpers.carries(world, cheap, world.product_id, case_pack="12", minimum="24", cost="4")
    await helpers.carries(world, dear, world.product_id, case_pack="6", minimum="0", cost="5")
    await helpers.carries(world, cheap, pre_roll, case_pack="10", minimum="50", cost="2")
    await helpers.carries(world, dear, pre_roll, case_pack="5", minimum="5", preferred=True)

    # On order: an approved order (10), a sent one partly received (30 - 12), not a draft,
    # not a cancelled one, not a closed one.
    approved = await helpers.draft(world, cheap, {world.product_id: "10"})
    await orders.approve_purchase_order(
        new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(approved)
    )
    partly = await helpers.sent(world, cheap, {world.product_id: "30", pre_roll: "20"})
    await helpers.receive(world, partly, [(world.product_id, "12", Decision.ACCEPT, None)])
    await helpers.draft(world, cheap, {world.product_id: "99"})
    closed = await helpers.sent(world, dear, {world.product_id: "40"})
    await orders.close_purchase_order(
        new_uow(), world.as_(Role.MANAGER), orders.ChangePurchaseOrder(closed)
    )

    terms = await _terms(world, world.product_id, pre_roll, unsold)

    flower = terms[world.product_id]
    assert (flower.vendor_id, flower.vendor_name) == (cheap, "Cheap Co")
    assert (flower.case_pack, flower.minimum_order, flower.unit_cost) == (
        Decimal(12),
        Decimal(24),
        Decimal(4),
    )
    assert (flower.lead_time_days, flower.lead_time_learned) == (Decimal(10), False)
    assert flower.order_weekdays == (0, 3)
    assert flower.on_order == Decimal(10) + Decimal(18)
    joint = terms[pre_roll]
    assert (joint.vendor_name, joint.case_pack, joint.minimum_order) == (
        "Dear Co",
        Decimal(5),
        Decimal(5),
    )
    assert (joint.lead_time_days, joint.on_order) == (Decimal(3), Decimal(20))
    nobody = terms[unsold]
    assert (nobody.vendor_id, nobody.case_pack, nobody.on_order) == (None, Decimal(1), 0)
    assert nobody.lead_time_days == DEFAULT_LEAD_TIME_DAYS


async def test_the_lead_time_is_learned_from_three_receipts(world):
    vendor_id = await helpers.vendor(world, lead_days=14)
    await helpers.carries(world, vendor_id, world.product_id)
    for sent_days_ago, days in ((40, 4), (30, 6), (20, 5)):
        order_id = await helpers.sent(world, vendor_id, {world.product_id: "1"})
        await helpers.backdate(order_id, sent_days_ago, sent_days_ago - days)

    learned = (await _terms(world, world.product_id))[world.product_id]

    # Median of 4, 5, 6 days; MAD 1 day, scaled by 1.4826.
    assert (learned.lead_time_days, learned.lead_time_spread_days) == (
        Decimal("5.00"),
        Decimal("1.48"),
    )
    assert learned.lead_time_learned
