"""A register posting signed sales and voids to /hooks/pos/generic: applied once, or refused
with a reason, and a bad signature or a replayed delivery changes nothing."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from domain import db
from domain.identity import services as identity
from domain.roles import Role
from tests.integrations.conftest import body, connect, sale_event, snapshot, void_event
from tests.sales.helpers import floor_package, floor_quantity
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow


async def _sale_row(receipt: str) -> dict:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT id, status, sold_by, total FROM sale WHERE pos_receipt_id = $1", receipt
        )
    return dict(row) if row else {}


async def test_a_signed_sale_is_recorded_as_the_acting_user_and_moves_stock(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    response = await hooks.post(
        "pos", world.ca.location_id, body(sale_event("evt-1", (tag, "3.5"), receipt="R-1")), secret
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert (result["event_id"], result["type"], result["outcome"]) == ("evt-1", "sale", "applied")
    assert result["replayed"] is False
    sale = await _sale_row("R-1")
    assert result["sale_id"] == sale["id"]
    assert sale["sold_by"] == world.as_(Role.BUDTENDER).user_id
    assert sale["total"] == Decimal("35.00")
    assert await floor_quantity(world, package_id) == Decimal("6.5")
    async with db.connection() as conn:
        logged = await conn.fetchrow("SELECT * FROM integration_event")
    assert (logged["adapter"], logged["kind"], logged["event_id"]) == ("generic", "pos", "evt-1")
    assert logged["outcome"] == "applied"
    await assert_ledger_balances()


async def test_a_void_puts_the_stock_back(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    loc = world.ca.location_id
    sold = await hooks.post("pos", loc, body(sale_event("s-1", (tag, "2"), receipt="R-9")), secret)
    assert sold.json()["results"][0]["outcome"] == "applied"
    assert await floor_quantity(world, package_id) == Decimal(8)

    voided = await hooks.post("pos", loc, body(void_event("v-1", "R-9")), secret)
    assert voided.status_code == 200, voided.text
    [result] = voided.json()["results"]
    assert (result["type"], result["outcome"], result["status"]) == ("void", "applied", "voided")
    assert await floor_quantity(world, package_id) == Decimal(10)
    assert (await _sale_row("R-9"))["status"] == "voided"
    await assert_ledger_balances()


async def test_events_of_one_request_apply_in_order(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    response = await hooks.post(
        "pos",
        world.ca.location_id,
        body(sale_event("a", (tag, "1"), receipt="R-2"), void_event("b", "R-2")),
        secret,
    )
    assert [r["outcome"] for r in response.json()["results"]] == ["applied", "applied"]
    assert await floor_quantity(world, package_id) == Decimal(10)


async def test_a_bad_signature_changes_nothing(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("evt-1", (tag, "1"), receipt="R-1"))
    before = await snapshot()

    wrong_secret = await hooks.post("pos", loc, payload, "whsec_not-the-connections-secret")
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["error"]["code"] == "bad_signature"
    # Signed, then altered in transit (a bigger quantity).
    headers = {"X-LeafLedger-Signature": _signature(secret, payload)}
    altered = await hooks.http.post(
        f"/hooks/pos/generic?location={loc}",
        content=payload.replace(b'"1"', b'"9"'),
        headers=headers,
    )
    assert altered.status_code == 401
    unsigned = await hooks.post("pos", loc, payload, None)
    assert (unsigned.status_code, unsigned.json()["error"]["code"]) == (401, "signature_missing")
    garbled = await hooks.http.post(
        f"/hooks/pos/generic?location={loc}",
        content=payload,
        headers={"X-LeafLedger-Signature": "t=abc,v1=,,="},
    )
    assert garbled.status_code == 401
    assert await snapshot() == before

    # Nothing was recorded, so the genuine request (same event id) still goes through.
    genuine = await hooks.post("pos", loc, payload, secret)
    assert genuine.json()["results"][0]["outcome"] == "applied"


def _signature(secret: str, payload: bytes) -> str:
    from domain.webhooks import signing

    return signing.sign(secret, int(time.time()), payload)


async def test_a_replayed_event_id_changes_nothing(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("evt-1", (tag, "1"), receipt="R-1"))
    first = await hooks.post("pos", loc, payload, secret)
    assert first.status_code == 200
    before = await snapshot()

    again = await hooks.post("pos", loc, payload, secret)  # re-signed: a fresh timestamp
    assert again.status_code == 409, again.text
    document = again.json()
    assert document["status"] == "duplicate"
    [result] = document["results"]
    assert result["outcome"] == "duplicate"
    assert result["first"] == first.json()["results"][0]
    assert await snapshot() == before
    assert await floor_quantity(world, package_id) == Decimal(9)

    # The same event id with different content is still that event: nothing changes.
    different = body(sale_event("evt-1", (tag, "5"), receipt="R-77"))
    assert (await hooks.post("pos", loc, different, secret)).status_code == 409
    assert await snapshot() == before


async def test_a_duplicate_among_new_events_is_reported_and_the_rest_applied(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    loc = world.ca.location_id
    await hooks.post("pos", loc, body(sale_event("a", (tag, "1"), receipt="R-1")), secret)
    mixed = body(
        sale_event("a", (tag, "1"), receipt="R-1"), sale_event("b", (tag, "2"), receipt="R-2")
    )
    response = await hooks.post("pos", loc, mixed, secret)
    assert response.status_code == 200
    assert [r["outcome"] for r in response.json()["results"]] == ["duplicate", "applied"]
    assert await floor_quantity(world, package_id) == Decimal(7)


async def test_the_same_receipt_under_a_new_event_id_is_sold_once(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    loc = world.ca.location_id
    await hooks.post("pos", loc, body(sale_event("a", (tag, "1"), receipt="R-1")), secret)
    resent = await hooks.post("pos", loc, body(sale_event("b", (tag, "1"), receipt="R-1")), secret)
    [result] = resent.json()["results"]
    assert (result["outcome"], result["replayed"]) == ("applied", True)
    assert await floor_quantity(world, package_id) == Decimal(9)


async def test_a_stale_or_future_timestamp_is_refused(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("evt-1", (tag, "1"), receipt="R-1"))
    before = await snapshot()
    for skew in (-301, -3600, 400):
        response = await hooks.post("pos", loc, payload, secret, t=int(time.time()) + skew)
        assert response.status_code == 401, skew
        assert response.json()["error"]["code"] == "stale_signature"
    # A wrong secret with an old timestamp is just a bad signature (no hint about the secret).
    old_and_wrong = await hooks.post(
        "pos", loc, payload, "whsec_not-the-connections-secret", t=int(time.time()) - 3600
    )
    assert old_and_wrong.json()["error"]["code"] == "bad_signature"
    assert await snapshot() == before


async def test_an_over_limit_sale_is_a_typed_refusal_and_changes_nothing(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "60")
    loc = world.ca.location_id
    before = await snapshot()
    response = await hooks.post(
        "pos", loc, body(sale_event("big", (tag, "29"), receipt="R-1")), secret
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["outcome"] == "refused"
    error = result["error"]
    assert (error["type"], error["state"]) == ("PurchaseLimitExceeded", "CA")
    [bucket] = error["buckets"]
    assert (bucket["bucket"], bucket["limit"], bucket["over_by"]) == ("flower_g", "28.500", "0.500")
    after = await snapshot()
    assert after == {**before, "events": before["events"] + 1}  # only the refusal is logged
    assert await floor_quantity(world, package_id) == Decimal(60)

    # The refused event id is used up; the same receipt as a new event is judged afresh.
    again = await hooks.post(
        "pos", loc, body(sale_event("big", (tag, "28"), receipt="R-1")), secret
    )
    assert again.status_code == 409
    assert again.json()["results"][0]["first"]["error"]["type"] == "PurchaseLimitExceeded"
    smaller = await hooks.post(
        "pos", loc, body(sale_event("big-2", (tag, "28"), receipt="R-1")), secret
    )
    assert smaller.json()["results"][0]["outcome"] == "applied"


async def test_stock_and_sellability_refusals_are_typed(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "2")
    loc = world.ca.location_id
    response = await hooks.post(
        "pos",
        loc,
        body(
            sale_event("short", (tag, "5"), receipt="R-1"),
            sale_event("vault", (world.tag, "1"), receipt="R-2"),
            sale_event("nope", ("NO-SUCH-TAG", "1"), receipt="R-3"),
            sale_event("neg", (tag, "-1"), receipt="R-4"),
            void_event("ghost", "R-404"),
        ),
        secret,
    )
    errors = [r["error"]["type"] for r in response.json()["results"]]
    assert errors == [
        "InsufficientStock",
        "InsufficientStock",
        "NotFound",
        "InvalidQuantity",
        "NotFound",
    ]
    short = response.json()["results"][0]["error"]
    assert (short["requested"], short["available"]) == ("5.000", "2.000")


async def test_unknown_adapters_connections_and_bad_requests_are_4xx(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("e", (tag, "1"), receipt="R-1"))
    before = await snapshot()

    unknown = await hooks.post("pos", loc, payload, secret, adapter="nope")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_adapter")
    # No connection at the other operator's store, nor for delivery here.
    elsewhere = await hooks.post("pos", world.co.location_id, payload, secret)
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (404, "no_connection")
    assert (await hooks.post("delivery", loc, payload, secret)).status_code == 404
    for query in ("", "?location=abc", "?location=-1", "?location=99999999999"):
        bad = await hooks.http.post(f"/hooks/pos/generic{query}", content=payload)
        assert bad.status_code in (400, 404), query
    assert (await hooks.http.get(f"/hooks/pos/generic?location={loc}")).status_code == 405
    for garbage in (
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"events": []}',
        b'{"events": [{"id": "x", "type": "refund"}]}',
        body({**sale_event("x", (tag, "1"), receipt="R-1"), "lines": [{"tag": tag}]}),
        body({**sale_event("x", (tag, "1"), receipt="R-1"), "customer_type": "tourist"}),
        body({**sale_event("x", (tag, "1"), receipt="R-1"), "occurred_at": "yesterday"}),
        body({**sale_event("x", (tag, "1"), receipt="R-1"), "occurred_at": "2026-11-27T18:04"}),
        body({**sale_event("x", (tag, "1.5e"), receipt="R-1")}),
        body({**sale_event("x" * 201, (tag, "1"), receipt="R-1")}),
        b'{"events": [' + b"[" * 5000 + b"]" * 5000 + b"]}",
        b'{"events": [{"id": NaN}]}',
    ):
        response = await hooks.post("pos", loc, garbage, secret)
        assert response.status_code == 400, (garbage[:80], response.text)
        assert response.json()["error"]["code"] == "malformed"
    huge = await hooks.post("pos", loc, b" " * ((1 << 20) + 1), secret)
    assert huge.status_code == 413
    assert await snapshot() == before


async def test_an_acting_user_who_may_no_longer_sell_is_refused_and_nothing_recorded(hooks, world):
    secret = await connect(world)
    tag, _ = await floor_package(world, "10")
    loc = world.ca.location_id
    budtender = world.as_(Role.BUDTENDER)
    await identity.set_grant(
        new_uow(), world.as_(Role.ADMIN), identity.SetGrant(budtender.user_id, loc, None)
    )
    payload = body(sale_event("e", (tag, "1"), receipt="R-1"))
    before = await snapshot()
    response = await hooks.post("pos", loc, payload, secret)
    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "acting_user_not_allowed",
    )
    assert await snapshot() == before
    await identity.set_grant(
        new_uow(), world.as_(Role.ADMIN), identity.SetGrant(budtender.user_id, loc, Role.BUDTENDER)
    )
    assert (await hooks.post("pos", loc, payload, secret)).status_code == 200


async def test_two_deliveries_of_one_event_at_once_apply_it_once(hooks, world):
    secret = await connect(world)
    tag, package_id = await floor_package(world, "10")
    loc = world.ca.location_id
    payload = body(sale_event("evt-1", (tag, "1"), receipt="R-1"))
    responses = await asyncio.gather(*(hooks.post("pos", loc, payload, secret) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    assert await floor_quantity(world, package_id) == Decimal(9)
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM sale") == 1
        assert await conn.fetchval("SELECT count(*) FROM integration_event") == 1
