"""A delivery platform posting signed orders to /hooks/delivery/generic: an order holds stock as a
reservation, a cancellation releases it, and the platform's endpoint hears back in its format."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from domain import db
from domain.integrations.tables import IntegrationKind
from domain.roles import Role
from domain.sales import reservations
from domain.sales.model import Channel
from domain.webhooks import delivery, services, signing
from plugins import registry
from tests.integrations.conftest import body, connect, snapshot
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import add_product

DELIVERY = IntegrationKind.DELIVERY


def placed(event_id: str, ref: str, *lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "order.placed",
        "occurred_at": "2026-11-27T18:04:05Z",
        "order_ref": ref,
        "lines": list(lines),
        **extra,
    }


def cancelled(event_id: str, ref: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "order.cancelled",
        "occurred_at": "2026-11-27T18:20:00Z",
        "order_ref": ref,
        "reason": "customer cancelled",
    }


async def _reservation(reservation_id: int) -> dict[str, Any]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, partner, channel, order_ref, created_by FROM reservation WHERE id = $1",
            reservation_id,
        )
    return dict(row)


async def _stocked_product(world) -> tuple[int, int, str]:
    product, batch = await add_product(world.as_(Role.INVENTORY_LEAD), "DEL-1")
    tag, package_id = await floor_package(world, "10", product=(product, batch))
    return product, package_id, tag


async def test_an_order_holds_stock_and_its_cancellation_releases_it(hooks, world):
    secret = await connect(world, DELIVERY)
    product, package_id, _ = await _stocked_product(world)
    loc = world.ca.location_id
    order = placed("o-1", "DD-981", {"product_id": product, "quantity": "3"}, hold_minutes=45)
    response = await hooks.post("delivery", loc, body(order), secret)
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["type"], result["outcome"], result["status"]) == (
        "order_placed",
        "applied",
        "held",
    )
    reservation = await _reservation(result["reservation_id"])
    assert reservation == {
        "status": "held",
        "partner": "generic",
        "channel": "delivery",
        "order_ref": "DD-981",
        "created_by": world.as_(Role.BUDTENDER).user_id,
    }
    assert await floor_quantity(world, package_id) == Decimal(7)

    cancel = await hooks.post("delivery", loc, body(cancelled("o-1-x", "DD-981")), secret)
    assert cancel.status_code == 200, cancel.text
    [result] = cancel.json()["results"]
    assert (result["type"], result["outcome"], result["status"]) == (
        "order_cancelled",
        "applied",
        "cancelled",
    )
    assert await floor_quantity(world, package_id) == Decimal(10)
    assert (await _reservation(result["reservation_id"]))["status"] == "cancelled"
    # Cancelled again under a new event id: refused, the stock stays where it is.
    again = await hooks.post("delivery", loc, body(cancelled("o-1-y", "DD-981")), secret)
    [result] = again.json()["results"]
    assert (result["outcome"], result["error"]["type"]) == ("refused", "ReservationNotHeld")
    assert result["error"]["status"] == "cancelled"
    assert await floor_quantity(world, package_id) == Decimal(10)
    await assert_ledger_balances()


async def test_orders_by_tag_and_pickup_orders(hooks, world):
    secret = await connect(world, DELIVERY)
    _, package_id, tag = await _stocked_product(world)
    order = placed("o-1", "WEB-5", {"tag": tag, "quantity": "2"}, channel="pickup")
    response = await hooks.post("delivery", world.ca.location_id, body(order), secret)
    [result] = response.json()["results"]
    assert (await _reservation(result["reservation_id"]))["channel"] == "pickup"
    assert await floor_quantity(world, package_id) == Decimal(8)


async def test_replays_shortages_and_foreign_orders_change_nothing(hooks, world):
    secret = await connect(world, DELIVERY)
    product, package_id, _ = await _stocked_product(world)
    loc = world.ca.location_id
    order = body(placed("o-1", "DD-1", {"product_id": product, "quantity": "3"}))
    assert (await hooks.post("delivery", loc, order, secret)).status_code == 200
    before = await snapshot()
    assert (await hooks.post("delivery", loc, order, secret)).status_code == 409
    assert await snapshot() == before

    # The platform re-sends the order under a new event id: reserved once.
    resent = body(placed("o-1-again", "DD-1", {"product_id": product, "quantity": "3"}))
    [result] = (await hooks.post("delivery", loc, resent, secret)).json()["results"]
    assert (result["outcome"], result["replayed"]) == ("applied", True)
    assert await floor_quantity(world, package_id) == Decimal(7)

    short = body(placed("o-2", "DD-2", {"product_id": product, "quantity": "50"}))
    [result] = (await hooks.post("delivery", loc, short, secret)).json()["results"]
    assert result["error"]["type"] == "ReservationShortage"
    assert result["error"]["missing"][0]["available"] == "7.000"

    # An order placed through the API (no partner) is not the platform's to cancel.
    api_order = await reservations.create_reservation(
        new_uow(),
        world.as_(Role.BUDTENDER),
        reservations.CreateReservation(
            loc, "POS-7", Channel.PICKUP, [reservations.OrderLine(Decimal(1), product)]
        ),
    )
    [result] = (await hooks.post("delivery", loc, body(cancelled("c-1", "POS-7")), secret)).json()[
        "results"
    ]
    assert (result["outcome"], result["error"]["type"]) == ("refused", "NotFound")
    assert (await _reservation(api_order.value.reservation_id))["status"] == "held"
    bad = await hooks.post("delivery", loc, body(placed("o-3", "DD-3", {"quantity": "1"})), secret)
    assert bad.status_code == 400
    assert "product_id or tag" in bad.json()["error"]["message"]


async def test_the_platforms_endpoint_hears_back_in_its_format(hooks, world, receiver):
    manager = world.as_(Role.MANAGER)
    loc = world.ca.location_id
    platform = await services.create_endpoint(
        new_uow(), manager, services.CreateEndpoint(loc, receiver.url("platform"))
    )
    await services.create_endpoint(
        new_uow(), manager, services.CreateEndpoint(loc, receiver.url("plain"))
    )
    secret = await connect(world, DELIVERY, webhook_endpoint_id=platform.endpoint_id)
    product, _, _ = await _stocked_product(world)
    order = body(placed("o-1", "DD-981", {"product_id": product, "quantity": "1"}))
    [result] = (await hooks.post("delivery", loc, order, secret)).json()["results"]

    while (await delivery.deliver_due(registry.current())).claimed:
        pass
    [shaped] = receiver.received("platform")
    [standard] = receiver.received("plain")
    assert signing.verify(
        platform.secret, shaped.headers["x-leafledger-signature"], shaped.body, time.time()
    )
    assert shaped.document["event"] == standard.document["event"] == "reservation.created"
    assert shaped.document["id"] == standard.document["id"]
    assert shaped.document["data"] == {
        **standard.document["data"],
        "order_ref": "DD-981",
        "partner": "generic",
    }
    assert standard.document["data"]["reservation_id"] == result["reservation_id"]
    assert "order_ref" not in standard.document["data"]
