"""Numbers and durations a store would be stuck with are refused when they are entered, naming the
field, and nothing is stored: a NaN or negative cost, a timeout that is not a number, a hold of no
time. (Location settings: test_location_settings.py.)"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import db
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.world import add_package

CONFIGURE = """mutation($input: ConfigureStateConnectionInput!) {
  configureStateConnection(input: $input) {
    __typename ... on ValidationError { field reason } } }"""
SHIPMENT = """mutation($input: CreateShipmentInput!) { createShipment(input: $input) {
  __typename ... on ValidationError { field reason } } }"""
PRODUCT = """mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
  __typename ... on ValidationError { field } } }"""
BATCH = """mutation($input: UpdateBatchInput!) { updateBatch(input: $input) {
  __typename ... on ValidationError { field } } }"""
RESERVE = """mutation($input: CreateReservationInput!) { createReservation(input: $input) {
  __typename ... on ReservationPayload { reservation { id } }
  ... on ValidationError { field } } }"""
EXTEND = """mutation($input: ReservationActionInput!) { extendReservation(input: $input) {
  __typename ... on ValidationError { field } } }"""


async def _count(table: str) -> int:
    async with db.connection() as conn:
        return await conn.fetchval(f"SELECT count(*) FROM {table}")


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"timeout_seconds": "NaN"}, "settings.timeout_seconds"),
        ({"timeout_seconds": -1}, "settings.timeout_seconds"),
        ({"timeout_seconds": 0}, "settings.timeout_seconds"),
        ({"timeout_seconds": "soon"}, "settings.timeout_seconds"),
        ({"timeout_seconds": 1e9}, "settings.timeout_seconds"),
        ({"history_start": "2026-01-01T00:00:00"}, "settings.history_start"),
        ({"history_start": "last year"}, "settings.history_start"),
        ({"get_rates": [5]}, "settings.get_rates"),
        ({"get_rates": ["Infinity", 5]}, "settings.get_rates"),
        ({"rooms": ["vault"]}, "settings.rooms"),
    ],
)
async def test_state_connection_settings_the_sync_could_not_use_are_refused(
    api, world, settings, field
):
    result = await api(
        CONFIGURE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "baseUrl": "https://sandbox-api-ca.metrc.com",
                "settings": settings,
            }
        },
        token=world.ca.token(Role.MANAGER),
    )

    assert result["data"]["configureStateConnection"] == {
        "__typename": "ValidationError",
        "field": field,
        "reason": result["data"]["configureStateConnection"]["reason"],
    }
    assert await _count("state_connection") == 0


async def test_usable_state_connection_settings_are_kept(api, world):
    result = await api(
        CONFIGURE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "baseUrl": "https://sandbox-api-ca.metrc.com",
                "settings": {
                    "timeout_seconds": "12.5",
                    "history_start": "2026-01-01T00:00:00-08:00",
                    "get_rates": [50, 150],
                },
            }
        },
        token=world.ca.token(Role.MANAGER),
    )

    assert result["data"]["configureStateConnection"]["__typename"] == "ConnectionPayload"


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-1", "0.00001"])
async def test_a_manifest_cost_that_is_not_a_price_is_refused(api, world, cost):
    result = await api(
        SHIPMENT,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "manifestNumber": "M-1",
                "packages": [
                    {
                        "tag": "1A4FF0100000022000000444",
                        "itemName": "OG Kush",
                        "shippedQuantity": "5",
                        "unit": "grams",
                        "unitCost": cost,
                    }
                ],
            }
        },
        token=world.ca.token(Role.INVENTORY_LEAD),
    )

    assert result["data"]["createShipment"]["__typename"] == "ValidationError"
    assert result["data"]["createShipment"]["field"] == "packages[0].unitCost"
    assert await _count("shipment") == 0


async def test_a_csv_manifest_with_a_nan_cost_is_refused(api, world):
    csv = "tag,item_name,shipped_quantity,unit,unit_cost\n1A4FF0100000022000000444,OG,5,grams,NaN\n"
    result = await api(
        SHIPMENT,
        {"input": {"locationId": str(world.ca.location_id), "manifestNumber": "M-2", "csv": csv}},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )

    assert result["data"]["createShipment"]["__typename"] == "ValidationError"
    assert await _count("shipment") == 0


@pytest.mark.parametrize(
    ("change", "value"),
    [("price", "NaN"), ("unitCost", "-Infinity"), ("lowStockThreshold", "-1")],
)
async def test_a_product_amount_that_is_not_a_number_is_refused(api, world, change, value):
    result = await api(
        PRODUCT,
        {"input": {"id": str(world.product_id), "changes": {change: value}}},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )

    assert result["data"]["updateProduct"] == {"__typename": "ValidationError", "field": change}


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-1", "100.5"])
async def test_a_batch_potency_outside_a_percentage_is_refused(api, world, value):
    result = await api(
        BATCH,
        {"input": {"id": str(world.batch_id), "changes": {"thcPercent": value}}},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )

    assert result["data"]["updateBatch"] == {"__typename": "ValidationError", "field": "thcPercent"}


@pytest.mark.parametrize("minutes", [0, -5, 10081])
async def test_a_reservation_hold_of_no_time_is_refused(api, world, minutes):
    result = await api(
        RESERVE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "orderRef": "web-1",
                "channel": "PICKUP",
                "lines": [{"tag": world.tag, "quantity": "1"}],
                "holdMinutes": minutes,
            }
        },
        token=world.ca.token(Role.BUDTENDER),
    )

    assert result["data"]["createReservation"]["__typename"] == "ValidationError"
    assert await _count("reservation") == 0


@pytest.mark.parametrize("minutes", [0, -5, None])
async def test_extending_a_reservation_by_no_time_is_refused(api, world, minutes):
    tag = "1A4FF0100000022000000555"
    await add_package(
        world.as_(Role.ADMIN),
        world.ca.location_id,
        tag,
        world.product_id,
        world.batch_id,
        {world.ca.zone(ZoneKind.SALES_FLOOR): Decimal(5)},
    )
    created = await api(
        RESERVE,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "orderRef": "web-2",
                "channel": "PICKUP",
                "lines": [{"tag": tag, "quantity": "1"}],
            }
        },
        token=world.ca.token(Role.BUDTENDER),
    )
    reservation_id = created["data"]["createReservation"]["reservation"]["id"]
    async with db.connection() as conn:
        before = await conn.fetchval(
            "SELECT expires_at FROM reservation WHERE id = $1", int(reservation_id)
        )

    result = await api(
        EXTEND,
        {"input": {"reservationId": reservation_id, "minutes": minutes}},
        token=world.ca.token(Role.BUDTENDER),
    )

    assert result["data"]["extendReservation"] == {
        "__typename": "ValidationError",
        "field": "minutes",
    }
    async with db.connection() as conn:
        after = await conn.fetchval(
            "SELECT expires_at FROM reservation WHERE id = $1", int(reservation_id)
        )
    assert after == before
