"""Proves the BioTrack serverjson v4 double behaves as documented before plugin tests rely on it.

Runs the double over real HTTP (one server per module, reset before each test) and talks to it
with a bare httpx client; no database is involved.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.doubles.biotrack import (
    DEFAULT_LEAK,
    BioTrackDouble,
    ErrorCode,
    Faults,
    ManifestItem,
    run_biotrack_double,
)

BC1 = "4157360000000025"
BC2 = "4157360000000026"
BC3 = "4157360000000027"
GOOD_ADJUST = {"barcodeid": BC1, "quantity": 9, "quantity_uom": "each", "type": 1, "reason": "a"}


class Client:
    """The smallest honest BioTrack client: JSON POSTs, a nonce per request, one session."""

    def __init__(self, bt: BioTrackDouble, timeout: float = 5.0) -> None:
        self.bt = bt
        self.http = httpx.Client(timeout=timeout)
        self.sessionid: str | None = None

    def post(self, body: Any) -> httpx.Response:
        raw = body if isinstance(body, str) else json.dumps(body)
        return self.http.post(self.bt.url, content=raw, headers={"Content-Type": "text/JSON"})

    def body(self, action: str, nonce: str | None = None, **fields: Any) -> dict[str, Any]:
        body = {"API": "4.0", "action": action, "training": 0, "nonce": nonce or new_nonce()}
        if action != "login":
            body["sessionid"] = self.sessionid
        return {**body, **fields}

    def call(self, action: str, nonce: str | None = None, **fields: Any) -> dict[str, Any]:
        response = self.post(self.body(action, nonce, **fields))
        assert response.status_code == 200, response.text
        return response.json()

    def login(self) -> dict[str, Any]:
        answer = self.call(
            "login",
            license_number=self.bt.license_number,
            username=self.bt.username,
            password=self.bt.password,
        )
        assert answer["success"] == 1, answer
        self.sessionid = answer["sessionid"]
        return answer


def new_nonce() -> str:
    return uuid.uuid4().hex


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def sale(client: Client, *lines: tuple[str, Any, Any], **extra: Any) -> dict[str, Any]:
    data = [{"barcodeid": b, "quantity": q, "price": p} for b, q, p in lines]
    fields = {"terminal_id": "T1", "sale_time": int(time.time()), "data": data}
    return client.call("sale_dispense", **{**fields, **extra})


@pytest.fixture(scope="module")
def server() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as bt:
        yield bt


@pytest.fixture
def bt(server: BioTrackDouble) -> BioTrackDouble:
    server.reset()
    server.add_item(BC1, 10, uom="each", product_name="Blue Dream 1g pre-roll")
    server.add_item(BC2, "28.5", uom="g", product_name="Bulk flower")
    server.state.add_room(server.license_number, 2, "Vault")
    return server


@pytest.fixture
def make_client(bt: BioTrackDouble) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def make(timeout: float = 5.0) -> Client:
        made.append(Client(bt, timeout))
        return made[-1]

    yield make
    for c in made:
        c.http.close()


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    c = make_client()
    c.login()
    return c


def assert_error(answer: dict[str, Any], code: ErrorCode) -> None:
    assert answer["success"] == 0, answer
    assert answer["errorcode"] == int(code), answer
    assert isinstance(answer["error"], str)
    assert answer["error"]


# -- login and every action ------------------------------------------------------------------


def test_login_returns_a_session_and_bad_credentials_fail(
    bt: BioTrackDouble, make_client: Callable[..., Client]
) -> None:
    c = make_client()
    assert len(c.login()["sessionid"]) == 32
    wrong = c.call("login", license_number=bt.license_number, username=bt.username, password="x")
    assert_error(wrong, ErrorCode.LOGIN_FAILED)
    assert bt.invalid_requests == []  # a wrong password is not a malformed request


def test_inventory_adjust_sets_the_new_quantity_and_remove_quantity_removes(
    bt: BioTrackDouble, client: Client
) -> None:
    line = {"barcodeid": BC2, "quantity": "27.25", "quantity_uom": "g", "type": 5, "reason": "dry"}
    answer = client.call("inventory_adjust", data=[line])
    assert answer["success"] == 1
    assert answer["transactionid"] == bt.state.last_transactionid
    assert bt.state.quantity(BC2) == Decimal("27.25")
    removal = {"barcodeid": BC1, "remove_quantity": 2, "remove_quantity_uom": "each"}
    answer = client.call("inventory_adjust", data=removal, type=2, reason="shoplifted")
    assert answer["success"] == 1
    assert bt.state.quantity(BC1) == 8
    first, second = bt.state.list_adjustments()
    assert (first.before, first.after, first.type) == (Decimal("28.5"), Decimal("27.25"), 5)
    assert (second.delta, second.type, second.sent_as) == (-2, 2, "remove_quantity")
    assert "inventory_adjust: data sent as one object, not a list" in bt.log.notes()
    assert bt.invalid_requests == []


def test_adjust_semantics_switch_treats_quantity_as_an_amount_removed(
    bt: BioTrackDouble, client: Client
) -> None:
    bt.config.adjust_quantity_semantics = "remove"
    line = {"barcodeid": BC1, "quantity": 3, "quantity_uom": "each", "type": 4, "reason": "typo"}
    assert client.call("inventory_adjust", data=[line])["success"] == 1
    assert bt.state.quantity(BC1) == 7


def test_adjust_refuses_a_unit_mismatch_and_going_below_zero(
    bt: BioTrackDouble, client: Client
) -> None:
    line = {"barcodeid": BC1, "quantity": 3, "quantity_uom": "g", "type": 1, "reason": "audit"}
    assert_error(client.call("inventory_adjust", data=[line]), ErrorCode.UOM_MISMATCH)
    line = {"barcodeid": BC1, "remove_quantity": 11, "quantity_uom": "each", "type": 1}
    line["reason"] = "audit"
    assert_error(client.call("inventory_adjust", data=[line]), ErrorCode.INSUFFICIENT_QUANTITY)
    assert bt.state.quantity(BC1) == 10
    assert bt.state.list_adjustments() == []


def test_inventory_move_changes_rooms_and_refuses_unknown_rooms(
    bt: BioTrackDouble, client: Client
) -> None:
    answer = client.call("inventory_move", data=[{"barcodeid": BC1, "room": 2}])
    assert answer["success"] == 1
    assert bt.state.item(BC1).room == 2  # type: ignore[union-attr]
    assert_error(
        client.call("inventory_move", data=[{"barcodeid": BC2, "room": 99}]),
        ErrorCode.ROOM_NOT_FOUND,
    )
    assert [(m.barcodeid, m.from_room, m.to_room) for m in bt.state.list_moves()] == [(BC1, 1, 2)]


def test_a_sale_decrements_and_a_void_restores(bt: BioTrackDouble, client: Client) -> None:
    answer = sale(client, (BC1, 2, "10.00"), (BC2, 3, "10.00"))
    assert answer["success"] == 1
    assert (bt.state.quantity(BC1), bt.state.quantity(BC2)) == (8, Decimal("25.5"))
    recorded = bt.state.sale(answer["transactionid"])
    assert recorded is not None
    assert recorded.terminal_id == "T1"
    assert len(recorded.lines) == 2
    assert client.call("sale_void", transactionid=answer["transactionid"])["success"] == 1
    assert (bt.state.quantity(BC1), bt.state.quantity(BC2)) == (10, Decimal("28.5"))
    voided = client.call("sale_void", transactionid=answer["transactionid"])
    assert_error(voided, ErrorCode.SALE_VOIDED)


def test_a_refund_restores_what_came_back_and_never_more_than_was_sold(
    bt: BioTrackDouble, client: Client
) -> None:
    tx = sale(client, (BC1, 3, "30.00"))["transactionid"]
    refund = {"barcodeid": BC1, "quantity": 1, "price": "-10.00"}
    assert client.call("sale_refund", transactionid=tx, data=[refund])["success"] == 1
    assert bt.state.quantity(BC1) == 8
    too_much = {"barcodeid": BC1, "quantity": 3, "price": "-30.00"}
    assert_error(
        client.call("sale_refund", transactionid=tx, data=[too_much]),
        ErrorCode.REFUND_EXCEEDS_SALE,
    )
    assert client.call("sale_void", transactionid=tx)["success"] == 1
    assert bt.state.quantity(BC1) == 10  # the void restores only what the refund did not
    positive = {"barcodeid": BC1, "quantity": 1, "price": "10.00"}
    other = sale(client, (BC1, 1, "10.00"))["transactionid"]
    assert_error(
        client.call("sale_refund", transactionid=other, data=[positive]), ErrorCode.PRICE_INVALID
    )


def test_a_refused_sale_applies_none_of_its_lines(bt: BioTrackDouble, client: Client) -> None:
    before = bt.state.last_transactionid
    assert_error(sale(client, (BC1, 1, 10), (BC2, 29, 100)), ErrorCode.INSUFFICIENT_QUANTITY)
    assert_error(sale(client, (BC3, 1, 10)), ErrorCode.ITEM_NOT_FOUND)
    assert bt.state.quantity(BC1) == 10
    assert bt.state.list_sales() == []
    assert bt.state.last_transactionid == before


def test_destroy_needs_a_schedule_and_the_hold_period(bt: BioTrackDouble, client: Client) -> None:
    assert_error(client.call("inventory_destroy", barcodeid=BC2), ErrorCode.NOT_SCHEDULED)
    scheduled = client.call("inventory_destroy_schedule", barcodeid=[BC2], reason="mold")
    assert scheduled["success"] == 1
    assert_error(
        client.call("inventory_destroy_schedule", barcodeid=[BC2], reason="mold"),
        ErrorCode.ALREADY_SCHEDULED,
    )
    again = client.call("inventory_destroy_schedule", barcodeid=[BC2], reason="mold", override=1)
    assert again["success"] == 1
    assert_error(sale(client, (BC2, 1, 5)), ErrorCode.ITEM_NOT_ACTIVE)
    assert_error(client.call("inventory_destroy", barcodeid=BC2), ErrorCode.HOLD_NOT_ELAPSED)
    bt.state.advance_clock(timedelta(hours=71, minutes=59))
    client.login()  # the session did not survive three days
    assert_error(client.call("inventory_destroy", barcodeid=BC2), ErrorCode.HOLD_NOT_ELAPSED)
    bt.state.advance_clock(timedelta(minutes=1))
    assert client.call("inventory_destroy", barcodeid=BC2, reason="mold")["success"] == 1
    assert bt.invalid_requests == []
    item = bt.state.item(BC2)
    assert item is not None
    assert (item.status, item.quantity) == ("destroyed", 0)
    (destroyed,) = bt.state.list_destructions()
    assert destroyed.quantity == Decimal("28.5")


def test_the_hold_period_is_configurable(bt: BioTrackDouble, client: Client) -> None:
    bt.config.destroy_hold = timedelta(0)
    client.call("inventory_destroy_schedule", barcodeid=[BC1], reason="expired")
    assert client.call("inventory_destroy", barcodeid=[BC1])["success"] == 1


def test_inbound_transfer_receives_a_manifest_seen_in_the_lookup(
    bt: BioTrackDouble, client: Client
) -> None:
    manifest_id = bt.state.add_manifest(
        bt.license_number,
        [ManifestItem(BC3, Decimal(12), "each", product_name="Gummies")],
        sender_license="498765",
    )
    lookup = client.call("inventory_manifest_lookup", location=bt.license_number)
    assert lookup["success"] == 1
    assert [m["manifest_id"] for m in lookup["data"]] == [manifest_id]
    assert lookup["data"][0]["items"][0] == {
        "barcodeid": BC3,
        "quantity": 12,
        "uom": "each",
        "product_name": "Gummies",
        "strain": "",
        "inventorytype": 28,
    }
    data = [{"barcodeid": BC3, "quantity": 12, "uom": "each"}]
    answer = client.call("inventory_transfer_inbound", location=bt.license_number, data=data)
    assert answer["success"] == 1
    assert bt.state.quantity(BC3) == 12
    again = client.call("inventory_transfer_inbound", location=bt.license_number, data=data)
    assert_error(again, ErrorCode.MANIFEST_ITEM_NOT_FOUND)
    assert client.call("inventory_manifest_lookup", location=bt.license_number)["data"] == []
    wrong = client.call("inventory_manifest_lookup", location="000000")
    assert_error(wrong, ErrorCode.INVALID_LOCATION)


def test_sync_inventory_and_sync_sale_report_transaction_ranges(
    bt: BioTrackDouble, client: Client
) -> None:
    start = bt.state.last_transactionid + 1
    tx = sale(client, (BC1, 1, 10))["transactionid"]
    client.call("sale_void", transactionid=tx)
    bt.state.set_quantity(BC2, 20)  # changed at the state, out of band
    rows = client.call("sync_inventory", transaction_start=start)["inventory"]
    assert {r["id"]: r["remaining_quantity"] for r in rows} == {BC1: 10, BC2: 20}
    sales = client.call("sync_sale", transaction_start=start, transaction_end=tx + 1)["sale"]
    assert [(r["type"], r["transactionid"], r["deleted"]) for r in sales] == [
        ("dispense", tx, 1),
        ("void", tx + 1, 0),
    ]
    assert client.call("sync_sale", transaction_start=tx + 1)["sale"][0]["type"] == "void"
    assert client.call("sync_sale", active=1)["sale"] == [sales[1]]
    assert bt.invalid_requests == []


def test_sync_inventory_rows_look_like_biotracks_no_unit_and_a_status_when_scheduled(
    bt: BioTrackDouble, client: Client
) -> None:
    """As public clients and OpenTHC's mock show them: ``id`` not ``barcodeid``, no ``uom``,
    ``inventorystatus`` (set once scheduled for destruction), not ``destroy_scheduled``."""
    client.call("inventory_destroy_schedule", barcodeid=[BC2], reason="mold", reason_extended=6)
    rows = {r["id"]: r for r in client.call("sync_inventory")["inventory"]}
    for row in rows.values():
        assert not {"uom", "barcodeid", "destroy_scheduled"} & row.keys()
    assert (rows[BC1]["inventorystatus"], rows[BC1]["inventorystatustime"]) == (None, None)
    assert rows[BC2]["inventorystatus"] == 1
    assert isinstance(rows[BC2]["inventorystatustime"], int)
    (schedule,) = bt.state.list_schedules()
    assert schedule.reason_extended == 6
    wrong = {"barcodeid": [BC1], "reason": "x", "reason_extended": 9}
    assert_error(client.call("inventory_destroy_schedule", **wrong), ErrorCode.REASON_INVALID)


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"data": [{**GOOD_ADJUST, "barcodeid": "415736000000002"}]}, ErrorCode.BARCODE_INVALID),
        ({"data": [{**GOOD_ADJUST, "barcodeid": 4157360000000025}]}, ErrorCode.BARCODE_INVALID),
        ({"nonce": None}, ErrorCode.NONCE_REQUIRED),
        ({"nonce": ""}, ErrorCode.NONCE_REQUIRED),
        ({"action": "inventory_teleport"}, ErrorCode.UNKNOWN_ACTION),
        ({"data": [{**GOOD_ADJUST, "type": 7}]}, ErrorCode.REASON_INVALID),
        ({"data": [{**GOOD_ADJUST, "reason": ""}]}, ErrorCode.REASON_INVALID),
        ({"API": "3.0"}, ErrorCode.API_VERSION),
        ({"API": 4.0}, ErrorCode.API_VERSION),
        ({"training": 2}, ErrorCode.TRAINING_INVALID),
        ({"data": [{**GOOD_ADJUST, "quantity": "nine"}]}, ErrorCode.QUANTITY_INVALID),
        ({"data": [{**GOOD_ADJUST, "quantity": -1}]}, ErrorCode.QUANTITY_INVALID),
        ({"data": [{**GOOD_ADJUST, "quantity_uom": "gram"}]}, ErrorCode.UOM_INVALID),
        ({"data": []}, ErrorCode.INVALID_FIELD),
        ({"sessionid": None}, ErrorCode.SESSION_INVALID),
        ({"sessionid": "never-issued"}, ErrorCode.SESSION_INVALID),
    ],
)
def test_invalid_requests_are_refused_recorded_and_not_applied(
    bt: BioTrackDouble, client: Client, change: dict[str, Any], code: ErrorCode
) -> None:
    before = bt.state.last_transactionid
    body = {**client.body("inventory_adjust", data=[GOOD_ADJUST]), **change}
    response = client.post({k: v for k, v in body.items() if v is not None})
    assert response.status_code == 200
    assert_error(response.json(), code)
    assert bt.state.quantity(BC1) == 10
    assert bt.state.last_transactionid == before
    (invalid,) = bt.invalid_requests
    assert invalid.errorcode == code
    assert not invalid.applied


def test_a_body_that_is_not_json_is_refused(bt: BioTrackDouble, client: Client) -> None:
    response = client.post("action=login&API=4.0")
    assert_error(response.json(), ErrorCode.MALFORMED_REQUEST)
    assert len(bt.invalid_requests) == 1


def test_sale_fields_are_validated(bt: BioTrackDouble, client: Client) -> None:
    no_terminal = {"sale_time": int(time.time()), "data": [{"barcodeid": BC1, "quantity": 1}]}
    assert_error(client.call("sale_dispense", **no_terminal), ErrorCode.MISSING_FIELD)
    future = int(time.time()) + 3600
    assert_error(sale(client, (BC1, 1, 10), sale_time=future), ErrorCode.SALE_TIME_INVALID)
    assert_error(sale(client, (BC1, 1, -10)), ErrorCode.PRICE_INVALID)
    # The v4 manual: "quantity: integer value" for dispenses and refunds, by default.
    assert_error(sale(client, (BC1, "1.5", 10)), ErrorCode.QUANTITY_INVALID)
    assert len(bt.invalid_requests) == 4
    assert bt.state.list_sales() == []
    bt.config.sale_quantity_integer_only = False  # a server more lenient than its manual
    assert sale(client, (BC2, "1.5", 10))["success"] == 1


def test_quantity_encodings_are_recorded_and_can_be_enforced(
    bt: BioTrackDouble, client: Client
) -> None:
    sale(client, (BC1, "1", "10.00"))
    assert bt.log.quantity_encodings() == {"string"}
    bt.config.quantity_encoding = "number"
    assert_error(sale(client, (BC1, "1", "10.00")), ErrorCode.QUANTITY_INVALID)
    assert sale(client, (BC1, 1, 10.0))["success"] == 1
    assert bt.log.quantity_encodings() == {"string", "number"}


# -- nonces ----------------------------------------------------------------------------------


def test_a_repeated_nonce_is_not_applied_twice_and_gets_the_first_response(
    bt: BioTrackDouble, client: Client
) -> None:
    nonce, when = new_nonce(), int(time.time())  # one sale_time: a retry sends the same body
    first = sale(client, (BC1, 2, 20), nonce=nonce, sale_time=when)
    client.login()  # a retry after re-login carries a new sessionid and the same nonce
    second = sale(client, (BC1, 2, 20), nonce=nonce, sale_time=when)
    assert second == first
    assert bt.state.quantity(BC1) == 8
    assert len(bt.state.list_sales()) == 1
    retried = bt.log.last("sale_dispense")
    assert retried.replayed
    assert not retried.applied
    assert retried.notes == []
    different = sale(client, (BC1, 5, 50), nonce=nonce)
    assert different == first
    assert bt.state.quantity(BC1) == 8
    assert any("reused for a different request" in n for n in bt.log.notes())


def test_duplicate_nonce_can_be_rejected_or_applied_again(
    bt: BioTrackDouble, client: Client
) -> None:
    nonce = new_nonce()
    sale(client, (BC1, 1, 10), nonce=nonce)
    bt.config.duplicate_nonce = "reject"
    assert_error(sale(client, (BC1, 1, 10), nonce=nonce), ErrorCode.DUPLICATE_NONCE)
    bt.config.duplicate_nonce = "apply"
    again = sale(client, (BC1, 1, 10), nonce=nonce)
    assert again["success"] == 1
    assert bt.state.quantity(BC1) == 8
    assert client.call("nonce_replay", nonce=nonce) == again  # the last result wins


def test_nonce_replay_answers_for_processed_nonces_only(
    bt: BioTrackDouble, client: Client, make_client: Callable[..., Client]
) -> None:
    nonce = new_nonce()
    answer = sale(client, (BC1, 1, 10), nonce=nonce)
    assert client.call("nonce_replay", nonce=nonce) == answer
    assert_error(client.call("nonce_replay", nonce=new_nonce()), ErrorCode.NONCE_NOT_FOUND)
    failed = new_nonce()
    assert_error(sale(client, (BC3, 1, 10), nonce=failed), ErrorCode.ITEM_NOT_FOUND)
    assert_error(client.call("nonce_replay", nonce=failed), ErrorCode.NONCE_NOT_FOUND)
    bt.state.add_license("499999")
    bt.state.add_user("499999", "other", "pw")
    other = make_client()
    other_login = other.call("login", license_number="499999", username="other", password="pw")
    other.sessionid = other_login["sessionid"]
    assert_error(other.call("nonce_replay", nonce=nonce), ErrorCode.NONCE_NOT_FOUND)
    assert bt.invalid_requests == []


def test_the_not_found_answer_of_a_replay_can_be_worded_otherwise(
    bt: BioTrackDouble, client: Client
) -> None:
    bt.config.nonce_not_found_code = 17
    bt.config.nonce_not_found_message = "No transaction is recorded for that token."
    answer = client.call("nonce_replay", nonce=new_nonce())
    assert answer == {
        "success": 0,
        "errorcode": 17,
        "error": "No transaction is recorded for that token.",
    }


# -- sessions --------------------------------------------------------------------------------


def test_sessions_expire_and_re_login_works(bt: BioTrackDouble, client: Client) -> None:
    bt.state.advance_clock(bt.config.session_ttl + timedelta(seconds=1))
    expired = sale(client, (BC1, 1, 10))
    assert_error(expired, ErrorCode.SESSION_EXPIRED)
    assert "session" in expired["error"]
    assert "expired" in expired["error"]
    client.login()
    assert sale(client, (BC1, 1, 10))["success"] == 1
    assert bt.invalid_requests == []  # expiry is the server's doing, not a client bug
    bt.state.expire_sessions()
    assert_error(sale(client, (BC1, 1, 10)), ErrorCode.SESSION_EXPIRED)


# -- faults ----------------------------------------------------------------------------------


def test_expired_session_fault_expires_the_session_until_re_login(
    bt: BioTrackDouble, client: Client
) -> None:
    bt.faults.expire_session()
    assert_error(sale(client, (BC1, 1, 10)), ErrorCode.SESSION_EXPIRED)
    assert_error(sale(client, (BC1, 1, 10)), ErrorCode.SESSION_EXPIRED)  # really expired
    client.login()
    assert sale(client, (BC1, 1, 10))["success"] == 1
    assert bt.state.quantity(BC1) == 9


def test_http_500_applies_nothing_unless_told_to(bt: BioTrackDouble, client: Client) -> None:
    bt.faults.http_500(action="sale_dispense")
    one = [{"barcodeid": BC1, "quantity": 1, "price": 10}]
    adjust = client.call("inventory_adjust", data=[GOOD_ADJUST])
    assert adjust["success"] == 1  # another action is not affected
    nonce = new_nonce()
    response = client.post(client.body("sale_dispense", nonce, terminal_id="T1", data=one))
    assert response.status_code == 500
    assert bt.state.list_sales() == []
    assert_error(client.call("nonce_replay", nonce=nonce), ErrorCode.NONCE_NOT_FOUND)
    bt.faults.http_500(apply=True)
    response = client.post(client.body("sale_dispense", nonce, terminal_id="T1", data=one))
    assert response.status_code == 500
    assert client.call("nonce_replay", nonce=nonce)["success"] == 1
    assert bt.state.quantity(BC1) == 8


def test_a_hang_that_applied_is_found_by_nonce_replay(
    bt: BioTrackDouble, client: Client, make_client: Callable[..., Client]
) -> None:
    bt.faults.hang(0.6, action="sale_dispense")
    impatient = make_client(timeout=0.15)
    impatient.sessionid = client.sessionid
    nonce = new_nonce()
    with pytest.raises(httpx.ReadTimeout):
        sale(impatient, (BC1, 1, 10), nonce=nonce)
    replay = client.call("nonce_replay", nonce=nonce)  # answered while the hang goes on
    assert replay["success"] == 1
    assert bt.state.quantity(BC1) == 9
    assert sale(client, (BC1, 1, 10), nonce=nonce) == replay  # a blind retry is harmless
    wait_for(lambda: len(bt.log.entries("sale_dispense")) == 2)
    assert bt.state.quantity(BC1) == 9


def test_a_hang_that_did_not_apply_leaves_nothing_to_replay(
    bt: BioTrackDouble, client: Client, make_client: Callable[..., Client]
) -> None:
    bt.faults.hang(0.4, action="sale_dispense", apply=False)
    impatient = make_client(timeout=0.15)
    impatient.sessionid = client.sessionid
    nonce = new_nonce()
    with pytest.raises(httpx.ReadTimeout):
        sale(impatient, (BC1, 1, 10), nonce=nonce)
    assert_error(client.call("nonce_replay", nonce=nonce), ErrorCode.NONCE_NOT_FOUND)
    assert sale(client, (BC1, 1, 10), nonce=nonce)["success"] == 1
    wait_for(lambda: any(e.status_code == 504 for e in bt.log.entries()))
    assert bt.state.quantity(BC1) == 9
    seen = [(e.action, e.status_code) for e in bt.log.with_nonce(nonce)]
    assert sorted(seen) == [("nonce_replay", 200), ("sale_dispense", 200), ("sale_dispense", 504)]


def test_header_leak_prefixes_the_json_and_still_applies(
    bt: BioTrackDouble, client: Client
) -> None:
    bt.faults.header_leak()
    response = client.post(client.body("inventory_move", data=[{"barcodeid": BC1, "room": 2}]))
    assert response.status_code == 200
    assert response.text.startswith(DEFAULT_LEAK)
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert json.loads(response.text[len(DEFAULT_LEAK) :])["success"] == 1
    assert bt.state.item(BC1).room == 2  # type: ignore[union-attr]
    assert client.call("inventory_move", data=[{"barcodeid": BC1, "room": 1}])["success"] == 1


def test_faults_count_down(bt: BioTrackDouble, client: Client) -> None:
    bt.faults.http_500(times=2)
    statuses = [client.post(client.body("sync_inventory")).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert bt.faults.pending() == []


def test_down_503_until_up(bt: BioTrackDouble, client: Client) -> None:
    bt.faults.down("503")
    assert client.post(client.body("sync_inventory")).status_code == 503
    bt.faults.up()
    assert client.call("sync_inventory")["success"] == 1


def test_down_refuses_connections_until_up(
    bt: BioTrackDouble, client: Client, make_client: Callable[..., Client]
) -> None:
    bt.faults.down("refuse")
    fresh = make_client()
    with pytest.raises(httpx.ConnectError):
        fresh.post(fresh.body("login"))
    bt.faults.up()
    fresh.login()
    assert sale(fresh, (BC1, 1, 10))["success"] == 1  # the world survived the outage
    assert bt.state.quantity(BC1) == 9


def test_refusing_connections_needs_a_running_server() -> None:
    with pytest.raises(RuntimeError):
        Faults().down("refuse")
