"""Bad input gets a typed refusal naming the problem, writes nothing, and is never a 500."""

from __future__ import annotations

import pytest

from domain import db
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.api.queries import ADJUST, TRANSFER, transfer_input


async def _rows() -> tuple[int, int, int]:
    async with db.connection() as conn:
        return (
            await conn.fetchval("SELECT count(*) FROM movement"),
            await conn.fetchval("SELECT count(*) FROM idempotency_record"),
            await conn.fetchval("SELECT coalesce(sum(quantity), 0) FROM stock_balance"),
        )


@pytest.mark.parametrize(
    ("changes", "typename", "detail"),
    [
        ({"quantity": "0"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "-2"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "NaN"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "Infinity"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "1.0005"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "1e12"}, "InvalidQuantity", {"field": "quantity"}),
        ({"quantity": "1", "unit": "EACH"}, "UnitMismatch", {"expected": "grams", "given": "each"}),
        ({"quantity": "1", "toZoneId": "999999"}, "NotFound", {"entity": "zone", "key": "999999"}),
        ({"quantity": "1", "toZoneId": "abc"}, "NotFound", {"entity": "zone", "key": "abc"}),
        ({"quantity": "1", "tag": "1A4FF0100000022000009999"}, "NotFound", {"entity": "package"}),
        ({"quantity": "1", "locationId": "-5"}, "NotFound", {"entity": "location"}),
        ({"quantity": "11"}, "InsufficientStock", {"available": "10.000"}),
        ({"quantity": "1", "idempotencyKey": ""}, "ValidationError", {"field": "idempotencyKey"}),
    ],
)
async def test_bad_transfers_are_typed_and_write_nothing(api, world, changes, typename, detail):
    before = await _rows()
    result = await api(
        TRANSFER,
        {"input": transfer_input(world, **changes)},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    assert "errors" not in result, result
    payload = result["data"]["transferStock"]
    assert payload["__typename"] == typename
    assert {k: payload[k] for k in detail} == detail
    assert await _rows() == before


async def test_a_zone_of_another_licence_is_not_found(api, world):
    foreign = str(world.co.zone(ZoneKind.SALES_FLOOR))
    result = await api(
        TRANSFER,
        {"input": transfer_input(world, "1", toZoneId=foreign)},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    assert result["data"]["transferStock"]["__typename"] == "NotFound"


async def test_a_quantity_that_is_not_a_number_is_rejected_before_any_resolver(api, world):
    before = await _rows()
    result = await api(
        TRANSFER,
        {"input": transfer_input(world, "three grams")},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    assert result["data"] is None
    assert "Decimal" in result["errors"][0]["message"]
    assert await _rows() == before


async def test_an_adjustment_with_reason_other_and_no_note_names_the_note_field(api, world):
    result = await api(
        ADJUST,
        {
            "input": {
                "locationId": str(world.ca.location_id),
                "tag": world.tag,
                "zoneId": str(world.ca.zone(ZoneKind.VAULT)),
                "quantity": "-1",
                "reason": "OTHER",
            }
        },
        token=world.ca.token(Role.MANAGER),
    )
    assert result["data"]["adjustStock"]["__typename"] == "ValidationError"
    assert result["data"]["adjustStock"]["field"] == "note"


async def test_text_with_a_nul_character_is_refused_before_anything_runs(api, world):
    before = await _rows()
    signed_in = await api(
        'mutation($email: String!) { login(email: $email, password: "x") { __typename } }',
        {"email": "lead@example.test\x00"},
    )
    literal = await api('mutation { login(email: "a\\u0000b", password: "x") { __typename } }')
    noted = await api(
        TRANSFER,
        {"input": transfer_input(world, quantity="1", note="restock\x00")},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    for result in (signed_in, literal, noted):
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert "NUL" in result["errors"][0]["message"]
    assert await _rows() == before


async def test_a_time_outside_what_utc_can_hold_is_refused_and_one_without_offset_is_utc(
    api, world
):
    scorecard = """query($loc: ID!, $since: DateTime!, $until: DateTime!) {
        vendorScorecard(locationId: $loc, since: $since, until: $until) { vendor } }"""
    loc = str(world.ca.location_id)
    token = world.ca.token(Role.MANAGER)
    too_early = await api(
        scorecard,
        {"loc": loc, "since": "0001-01-01T00:00:00+05:00", "until": "2100-01-01"},
        token=token,
    )
    naive = await api(
        scorecard,
        {"loc": loc, "since": "0001-01-01T00:01:01", "until": "9999-12-31T23:59:59"},
        token=token,
    )
    assert too_early["data"] is None
    assert "cannot represent a DateTime" in too_early["errors"][0]["message"]
    assert naive == {"data": {"vendorScorecard": []}}
