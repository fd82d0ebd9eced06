"""Receiving against a purchase order: the dock's decisions fill the order's lines (expected
vs received, short and rejected), move the order on, and feed the vendor's scorecard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import db, errors
from domain.purchasing import orders, queries, receipts
from domain.receiving import queries as receiving
from domain.receiving import shipments
from domain.receiving.model import Decision
from domain.roles import Role
from tests.doubles.metrc import DeliveryPackage
from tests.purchasing import helpers
from tests.support.units import new_uow

ACCEPT, PARTIAL, REJECT = Decision.ACCEPT, Decision.PARTIAL, Decision.REJECT


def _lines(order: queries.PurchaseOrderRow) -> dict[int, tuple[Decimal, ...]]:
    return {
        line.product_id: (
            line.expected_quantity,
            line.received_quantity,
            line.rejected_quantity,
            line.short_quantity,
        )
        for line in order.lines
    }


async def test_a_short_and_a_damaged_delivery_leave_the_order_partly_received(world):
    vendor_id = await helpers.vendor(world)
    pre_roll = await helpers.product(world, "PR-1G")
    order_id = await helpers.sent(world, vendor_id, {world.product_id: "100", pre_roll: "50"})

    await helpers.receive(
        world,
        order_id,
        [
            (world.product_id, "60", ACCEPT, None),
            (world.product_id, "40", PARTIAL, "35"),  # the bag weighed 35 g
            (pre_roll, "20", REJECT, None),  # crushed
            (pre_roll, "20", ACCEPT, None),
        ],
    )

    order = await queries.purchase_order(order_id)
    assert order is not None
    assert order.status == "partially_received"
    assert _lines(order) == {
        world.product_id: (Decimal(100), Decimal(95), Decimal(0), Decimal(5)),
        pre_roll: (Decimal(50), Decimal(20), Decimal(20), Decimal(10)),
    }
    assert order.first_received_at is not None
    assert len(order.shipment_ids) == 1

    # The vendor replaces the rest: the order is received, once, however often it is applied.
    shipment_id = await helpers.receive(
        world, order_id, [(world.product_id, "5", ACCEPT, None), (pre_roll, "30", ACCEPT, None)]
    )
    async with new_uow() as uow:
        session_id = await uow.conn.fetchval(
            "SELECT id FROM receiving_session WHERE shipment = $1", shipment_id
        )
        await receipts.apply_receipt(uow, session_id, shipment_id)
    order = await queries.purchase_order(order_id)
    assert order is not None
    assert order.status == "received"
    assert _lines(order) == {
        world.product_id: (Decimal(100), Decimal(100), Decimal(0), Decimal(0)),
        pre_roll: (Decimal(50), Decimal(50), Decimal(20), Decimal(0)),
    }


async def test_the_scorecard_counts_an_orders_deliveries_for_its_vendor(world):
    vendor_id = await helpers.vendor(world, "Emerald Farms")
    order_id = await helpers.sent(world, vendor_id, {world.product_id: "100"})
    await helpers.receive(
        world,
        order_id,
        [(world.product_id, "50", PARTIAL, "45"), (world.product_id, "30", REJECT, None)],
    )
    # A delivery from the same shipper without an order stays under the manifest's name.
    await helpers.receive(world, None, [(world.product_id, "10", PARTIAL, "8")])

    now = datetime.now(UTC)
    rows = await receiving.vendor_scorecard(
        world.ca.location_id, now - timedelta(days=1), now + timedelta(days=1)
    )

    by_vendor = {r.vendor: r for r in rows}
    ordered = by_vendor["Emerald Farms"]
    assert ordered.vendor_id == vendor_id
    assert ordered.shipper_license == "CDPH-EME-1"
    assert (ordered.ordered, ordered.rejected_quantity) == (Decimal(100), Decimal(30))
    # 100 ordered: 45 received, 30 rejected, 25 never came.
    assert ordered.short_quantity == Decimal(25)
    assert (ordered.short_packages, ordered.rejected_packages) == (1, 1)
    unordered = by_vendor["Emerald Farms Distribution"]
    assert (unordered.vendor_id, unordered.ordered) == (None, Decimal(0))
    assert unordered.short_quantity == Decimal(2)


async def test_a_shipment_is_linked_only_to_a_sent_order_of_its_own_store(world):
    vendor_id = await helpers.vendor(world)
    draft_id = await helpers.draft(world, vendor_id, {world.product_id: "10"})
    with pytest.raises(errors.ValidationError):
        await helpers.receive(world, draft_id, [(world.product_id, "10", ACCEPT, None)])
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM shipment") == 0

    sent_id = await helpers.sent(world, vendor_id, {world.product_id: "10"})
    shipment_id = await helpers.receive(world, None, [(world.product_id, "10", ACCEPT, None)])
    with pytest.raises(errors.ValidationError):  # its receiving is already completed
        await receipts.link_shipment(
            new_uow(), world.as_(Role.INVENTORY_LEAD), receipts.LinkShipment(shipment_id, sent_id)
        )
    with pytest.raises(errors.NotFound):  # a store the caller holds no grant at
        await receipts.link_shipment(
            new_uow(), world.co.users[Role.ADMIN], receipts.LinkShipment(shipment_id, sent_id)
        )
    assert await helpers.status(sent_id) == "sent"


async def test_closing_a_partly_received_order_stops_it_counting_as_on_order(world):
    vendor_id = await helpers.vendor(world)
    order_id = await helpers.sent(world, vendor_id, {world.product_id: "10"})
    await helpers.receive(world, order_id, [(world.product_id, "4", ACCEPT, None)])

    await orders.close_purchase_order(
        new_uow(),
        world.as_(Role.MANAGER),
        orders.ChangePurchaseOrder(order_id, "vendor out of stock"),
    )

    order = await queries.purchase_order(order_id)
    assert order is not None
    assert (order.status, order.reason) == ("closed", "vendor out of stock")
    assert _lines(order)[world.product_id] == (Decimal(10), Decimal(4), Decimal(0), Decimal(6))


async def test_a_state_manifest_from_the_vendor_links_to_its_one_waiting_order(world, metrc):
    emerald = await helpers.vendor(world, "Emerald Farms")  # licence CDPH-EME-1
    order_id = await helpers.sent(world, emerald, {world.product_id: "10"})
    twice = await helpers.vendor(world, "Twice Co")  # licence CDPH-TWI-1, two open orders
    await helpers.sent(world, twice, {world.product_id: "1"})
    await helpers.sent(world, twice, {world.product_id: "2"})
    for licence, manifest in (("CDPH-EME-1", "0000077001"), ("CDPH-TWI-1", "0000077002")):
        metrc.state.add_transfer(
            [DeliveryPackage(f"1A4FF01000000880000{manifest[-5:]}", "House Flower", 10)],
            shipper_license_number=licence,
            manifest_number=manifest,
        )

    assert await shipments.pull_incoming(new_uow(), world.ca.location_id) == 2

    async with db.connection() as conn:
        linked = dict(await conn.fetch("SELECT manifest_number, purchase_order FROM shipment"))
    # Two orders could be meant: the dock links that one by hand.
    assert linked == {"0000077001": order_id, "0000077002": None}
