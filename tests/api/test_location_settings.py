"""A store's settings are checked before they are stored: a hold of no time, a tolerance that is
not a number or an unknown FEFO policy is refused naming the field, and the store keeps working."""

from __future__ import annotations

import asyncpg
import pytest

from domain import db
from domain.roles import Role

UPDATE = """mutation($input: UpdateLocationInput!) { updateLocation(input: $input) {
  __typename ... on LocationPayload { location { fefoPolicy reservationHoldMinutes
    receivingTolerancePct } }
  ... on ValidationError { field reason } } }"""


async def _settings(location_id: int) -> tuple:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT fefo_policy, reservation_hold_minutes, receiving_tolerance_pct"
            " FROM location WHERE id = $1",
            location_id,
        )
    return tuple(row)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reservationHoldMinutes", -5),
        ("reservationHoldMinutes", 0),
        ("reservationHoldMinutes", 10081),
        ("receivingTolerancePct", "NaN"),
        ("receivingTolerancePct", "Infinity"),
        ("receivingTolerancePct", "-50"),
        ("receivingTolerancePct", "100.01"),
        ("receivingTolerancePct", "1.005"),
    ],
)
async def test_a_setting_the_store_cannot_work_with_is_refused_naming_it(api, world, field, value):
    before = await _settings(world.ca.location_id)

    result = await api(
        UPDATE,
        {"input": {"id": str(world.ca.location_id), field: value}},
        token=world.ca.token(Role.MANAGER),
    )

    assert result["data"]["updateLocation"]["__typename"] == "ValidationError"
    assert result["data"]["updateLocation"]["field"] == field
    assert await _settings(world.ca.location_id) == before


async def test_an_unknown_fefo_policy_is_refused_by_the_schema(api, world):
    result = await api(
        UPDATE,
        {"input": {"id": str(world.ca.location_id), "fefoPolicy": "bogus"}},
        token=world.ca.token(Role.MANAGER),
    )

    assert result["data"] is None
    assert "FefoPolicy" in result["errors"][0]["message"]
    assert (await _settings(world.ca.location_id))[0] == "warn"


async def test_the_widest_allowed_settings_are_kept(api, world):
    result = await api(
        UPDATE,
        {
            "input": {
                "id": str(world.ca.location_id),
                "fefoPolicy": "REFUSE",
                "reservationHoldMinutes": 10080,
                "receivingTolerancePct": "0",
            }
        },
        token=world.ca.token(Role.MANAGER),
    )

    assert result["data"]["updateLocation"]["location"] == {
        "fefoPolicy": "REFUSE",
        "reservationHoldMinutes": 10080,
        "receivingTolerancePct": "0.00",
    }


@pytest.mark.parametrize(
    "assignment",
    [
        "reservation_hold_minutes = 0",
        "reservation_hold_minutes = -5",
        "receiving_tolerance_pct = 'NaN'",
        "receiving_tolerance_pct = -50",
        "fefo_policy = 'bogus'",
    ],
)
async def test_the_database_refuses_settings_written_around_the_service(world, assignment):
    with pytest.raises(asyncpg.CheckViolationError):
        async with db.connection() as conn:
            await conn.execute(
                f"UPDATE location SET {assignment} WHERE id = $1", world.ca.location_id
            )


@pytest.mark.parametrize(
    "assignment",
    ["price = 'NaN'", "thc_mg_per_unit = 'NaN'", "low_stock_threshold = -1"],
)
async def test_the_database_refuses_catalogue_amounts_that_are_not_numbers(world, assignment):
    with pytest.raises(asyncpg.CheckViolationError):
        async with db.connection() as conn:
            await conn.execute(f"UPDATE product SET {assignment} WHERE id = $1", world.product_id)
