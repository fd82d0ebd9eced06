"""Reporting to BioTrack: every change the state must hear about arrives once, in order, with
BioTrack's meaning (new on-hand quantities, its reason codes, its room ids), or is shown to
people with clear words. Real sync engine, real database, the BioTrack double over HTTP.
Sales, voids and returns are in ``test_biotrack_sales.py``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from domain import db
from domain.compliance import reconcile
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from plugins.base import ResultStatus
from tests.compliance.biotrack_fixtures import (
    FLOOR_ROOM,
    FLOOR_TAG,
    TAG,
    VAULT_ROOM,
    BioTrackStore,
    as_json,
    assert_clean,
    build_nm_store,
    client_for,
    drain,
    make_due,
    outbound,
    post,
    reports,
    state_packages,
    transfer,
    write_off,
)
from tests.doubles.biotrack import DEFAULT_LEAK, BioTrackDouble, run_biotrack_double
from tests.doubles.biotrack.generated import REAL, Answer, GeneratedAnswers
from tests.support.units import new_uow


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    # One server per test: a hung request answering late must not land in the next test's log.
    with run_biotrack_double() as double:
        yield double


@pytest.fixture
async def nm(clean_db: str, bt: BioTrackDouble) -> BioTrackStore:
    return await build_nm_store(bt)


@pytest.mark.parametrize(
    ("grams", "reason", "note", "code"),
    [
        ("-1.5", AdjustmentReason.DAMAGE, "dropped jar", 6),
        ("-1", AdjustmentReason.THEFT, "camera 3", 2),
        ("2", AdjustmentReason.COUNT_CORRECTION, None, 1),
        ("-0.25", AdjustmentReason.ENTRY_ERROR, None, 4),
    ],
)
async def test_an_adjustment_arrives_as_the_new_on_hand_quantity_with_its_reason_code(
    nm, bt, grams, reason, note, code
):
    await write_off(nm, grams, reason, note)

    assert (await drain(nm)).sent == 1

    expected = Decimal(10) + Decimal(grams)
    assert bt.state.quantity(TAG) == expected
    [adjustment] = bt.state.list_adjustments()
    assert (adjustment.before, adjustment.after, adjustment.type) == (10, expected, code)
    assert adjustment.sent_as == "quantity"
    [report] = await reports(nm)
    assert adjustment.reason.startswith(f"{report['external_id']} {reason.value}")
    assert note is None or adjustment.reason.endswith(note)
    assert report["state_ids"] == [str(adjustment.transactionid)]
    snapshot = as_json(report["snapshot"])
    assert (snapshot["quantity"], snapshot["uom"]) == ("10", "g")  # what BioTrack showed before
    assert_clean(bt)


async def test_a_pinned_reason_code_is_used(clean_db, bt):
    nm = await build_nm_store(bt, adjustment_types={"count_correction": 5})
    await write_off(nm, "-0.5", AdjustmentReason.COUNT_CORRECTION)
    await drain(nm)
    assert [a.type for a in bt.state.list_adjustments()] == [5]
    assert_clean(bt)


async def test_adjustments_use_our_packages_unit_since_biotrack_rows_name_none(nm, bt):
    """BioTrack's sync_inventory rows carry no unit: the unit is our package's (grams)."""
    await write_off(nm, "-1.5")
    await post(nm, MovementKind.DESTROY, "2", source=ZoneKind.SALES_FLOOR)

    assert (await drain(nm)).sent == 2

    [row, *_] = bt.log.last("sync_inventory").response["inventory"]
    assert "uom" not in row
    sent = [e.body["data"][0] for e in bt.log.entries("inventory_adjust")]
    assert [(d["barcodeid"], d["quantity"], d["quantity_uom"]) for d in sent] == [
        (TAG, 8.5, "g"),
        (FLOOR_TAG, 3, "g"),
    ]
    assert (bt.state.quantity(TAG), bt.state.quantity(FLOOR_TAG)) == (Decimal("8.5"), 3)
    snapshot = as_json((await reports(nm))[0]["snapshot"])
    assert (snapshot["uom"], snapshot["uom_from"]) == ("g", "leafledger")
    assert_clean(bt)


async def test_an_item_biotrack_counts_in_another_unit_fails_with_its_words(nm, bt):
    bt.add_item(TAG, 10, uom="each", room=VAULT_ROOM)  # BioTrack counts this one in units
    await write_off(nm, "-1")

    assert (await drain(nm)).failed == 1

    [report] = await reports(nm)
    assert f"{TAG} is counted in each, not g" in report["last_error"]
    assert bt.state.quantity(TAG) == 10


async def test_a_zone_move_arrives_as_inventory_move_to_the_mapped_room(nm, bt):
    await transfer(nm, TAG, ZoneKind.VAULT, ZoneKind.SALES_FLOOR, "10")

    assert (await drain(nm)).sent == 1

    [move] = bt.state.list_moves()
    assert (move.barcodeid, move.from_room, move.to_room) == (TAG, VAULT_ROOM, FLOOR_ROOM)
    assert bt.log.last("inventory_move").body["data"] == [{"barcodeid": TAG, "room": FLOOR_ROOM}]
    assert_clean(bt)


async def test_a_move_within_one_biotrack_room_is_sent_as_nothing(nm, bt):
    await transfer(nm, FLOOR_TAG, ZoneKind.SALES_FLOOR, ZoneKind.RESERVED, "1")
    assert (await drain(nm)).sent == 1
    assert bt.log.entries("inventory_move") == []
    assert_clean(bt)


async def test_an_unmapped_room_fails_with_a_clear_message_and_the_next_report_goes(nm, bt):
    await transfer(nm, TAG, ZoneKind.VAULT, ZoneKind.QUARANTINE, "1")
    await write_off(nm, "-1")

    result = await drain(nm)

    assert (result.failed, result.sent) == (1, 1)
    move, adjustment = await reports(nm)
    assert move["status"] == "failed"
    assert '"Quarantine" has no BioTrack room' in move["last_error"]
    assert "rooms" in move["last_error"]
    assert adjustment["status"] == "sent"
    assert bt.log.entries("inventory_move") == []  # refused before BioTrack saw anything
    assert bt.state.quantity(TAG) == 9
    assert_clean(bt)


async def test_an_expired_session_is_renewed_and_the_request_repeated_with_its_nonce(nm, bt):
    await write_off(nm, "-1")
    bt.faults.expire_session(action="inventory_adjust")

    assert (await drain(nm)).sent == 1

    first, second = bt.log.entries("inventory_adjust")
    assert (first.errorcode, second.success) == (912, True)
    assert first.nonce == second.nonce
    assert first.sessionid != second.sessionid
    assert len(bt.log.entries("login")) == 2
    assert bt.state.quantity(TAG) == 9
    assert_clean(bt)


async def test_a_session_lost_again_after_login_waits_and_goes_later(nm, bt):
    await write_off(nm, "-1")
    bt.faults.expire_session(times=2, action="inventory_adjust")

    assert (await drain(nm)).deferred == 1
    [report] = await reports(nm)
    assert report["status"] == "pending"
    assert "session" in report["last_error"]
    assert not report["outcome_unknown"]  # a refusal: nothing was applied

    await make_due(nm)
    assert (await drain(nm)).sent == 1
    assert len(bt.state.list_adjustments()) == 1
    assert_clean(bt)


async def test_a_hung_request_that_was_applied_is_found_by_nonce_replay_not_applied_twice(nm, bt):
    await write_off(nm, "-2")
    bt.faults.hang(5, action="inventory_adjust", apply=True)  # our timeout is 1 s

    assert (await drain(nm)).deferred == 1
    [report] = await reports(nm)
    assert report["outcome_unknown"]
    await make_due(nm)
    assert (await drain(nm)).sent == 1

    [adjustment] = bt.state.list_adjustments()
    assert bt.state.quantity(TAG) == 8
    # The hung answer is still held (logged when released); the nonce store shows the write.
    [stored] = [n for n in bt.state.stored_nonces() if n.action == "inventory_adjust"]
    [replay] = bt.log.entries("nonce_replay")
    assert (replay.nonce, replay.success) == (stored.nonce, True)
    assert stored.times_seen == 1
    assert (await reports(nm))[0]["state_ids"] == [str(adjustment.transactionid)]
    assert_clean(bt)


@pytest.mark.parametrize("applied", [False, True])
async def test_an_http_500_is_retried_and_applied_once(nm, bt, applied):
    await write_off(nm, "-1")
    bt.faults.http_500(action="inventory_adjust", apply=applied)

    assert (await drain(nm)).deferred == 1
    await make_due(nm)
    assert (await drain(nm)).sent == 1

    assert len(bt.state.list_adjustments()) == 1
    assert bt.state.quantity(TAG) == 9
    [replay] = bt.log.entries("nonce_replay")
    assert replay.success is applied  # found when applied; 908 "not found" when not
    adjusts = bt.log.entries("inventory_adjust")
    assert len(adjusts) == (1 if applied else 2)
    assert {e.nonce for e in adjusts} == {replay.nonce}
    assert_clean(bt)


@pytest.mark.parametrize("mode", ["refuse", "503"])
async def test_while_biotrack_is_down_reports_wait_and_go_in_order(nm, bt, mode):
    for grams in ("-1", "-2", "-3"):
        await write_off(nm, grams)
    bt.faults.down(mode)

    first = await drain(nm)
    assert (first.sent, first.deferred) == (0, 1)
    assert all(r["status"] == "pending" for r in await reports(nm))

    bt.faults.up()
    await make_due(nm)
    assert (await drain(nm)).sent == 3

    assert [(a.before, a.after) for a in bt.state.list_adjustments()] == [(10, 9), (9, 7), (7, 4)]
    assert_clean(bt)


@pytest.mark.parametrize("leak", [DEFAULT_LEAK, "HTTP/1.1 200 OK\r\nX-Note: {oops}\r\n\r\n"])
async def test_header_text_leaked_into_bodies_is_tolerated(nm, bt, leak):
    await write_off(nm, "-1")
    bt.faults.header_leak(times=20, text=leak)

    assert (await drain(nm)).sent == 1

    assert {e.action for e in bt.log.entries() if e.raw_response.startswith("HTTP/1.1")} == {
        "login",
        "sync_inventory",
        "inventory_adjust",
    }
    assert bt.state.quantity(TAG) == 9
    assert_clean(bt)


async def test_destroying_what_is_left_schedules_it_and_the_second_step_waits_for_the_hold(nm, bt):
    await post(nm, MovementKind.DESTROY, "5", source=ZoneKind.SALES_FLOOR, reason=None)
    assert (await drain(nm)).sent == 1
    [schedule] = bt.state.list_schedules()
    assert schedule.barcodeid == FLOOR_TAG
    assert bt.state.item(FLOOR_TAG).status == "scheduled"

    [report] = [outbound(row) for row in await reports(nm)]
    async with client_for(nm) as client:
        early = await client.finish_destruction(report)
        assert early.status == ResultStatus.RETRY
        bt.state.advance_clock(timedelta(hours=73))
        done = await client.finish_destruction(report)
        again = await client.finish_destruction(report)  # replayed, not applied twice
    assert done.status == again.status == ResultStatus.SENT
    assert done.state_ids == again.state_ids
    assert len(bt.state.list_destructions()) == 1
    assert bt.state.item(FLOOR_TAG).status == "destroyed"
    assert_clean(bt)


async def test_a_scheduled_destruction_carries_a_reason_code_and_shows_as_held(nm, bt):
    """inventory_destroy_schedule sends reason_extended as public clients do; BioTrack then
    reports the item with an inventorystatus, which reconciliation reads as on hold."""
    await post(nm, MovementKind.DESTROY, "5", source=ZoneKind.SALES_FLOOR)
    await drain(nm)
    [schedule] = bt.state.list_schedules()
    assert schedule.reason_extended == 1  # Waste
    assert bt.log.last("inventory_destroy_schedule").body["reason_extended"] == 1

    await reconcile.reconcile(new_uow(), nm.location_id)

    [row] = [r for r in await state_packages(nm) if r["tag"] == FLOOR_TAG]
    assert (row["status"], row["unit"]) == ("on_hold", "")
    assert_clean(bt)


async def test_a_pinned_destruction_reason_is_used(clean_db, bt):
    nm = await build_nm_store(bt, destroy_reasons={"destruction": 7})
    await post(nm, MovementKind.DESTROY, "5", source=ZoneKind.SALES_FLOOR)
    await drain(nm)
    assert [s.reason_extended for s in bt.state.list_schedules()] == [7]


async def test_destroying_part_of_a_barcode_is_sent_as_a_depletion_adjustment(nm, bt):
    await post(nm, MovementKind.DESTROY, "2", source=ZoneKind.SALES_FLOOR)
    assert (await drain(nm)).sent == 1
    [adjustment] = bt.state.list_adjustments()
    assert (adjustment.after, adjustment.type) == (3, 6)
    assert " destruction" in adjustment.reason
    assert bt.state.list_schedules() == []
    assert_clean(bt)


async def test_reconciliation_reads_biotrack_inventory_in_our_units(nm, bt):
    summary = await reconcile.reconcile(new_uow(), nm.location_id)
    assert (summary.status, summary.packages_compared, summary.discrepancies_found) == (
        "finished",
        2,
        0,
    )
    bt.state.set_quantity(TAG, "9.5")  # changed at BioTrack by hand
    summary = await reconcile.reconcile(new_uow(), nm.location_id)
    assert summary.discrepancies_found == 1
    async with client_for(nm) as client:
        codes = [r.name for r in await client.adjustment_reasons()]
    assert (codes[0], codes[5]) == ("General inventory audit", "Depletion")
    assert_clean(bt)


async def test_a_server_that_rejects_repeated_nonces_still_yields_one_sent_report(nm, bt):
    """The v4 docs allow a server that refuses a repeated nonce instead of replaying it; the
    earlier attempt was applied, so its stored answer is fetched and the report is SENT."""
    bt.config.duplicate_nonce = "reject"
    await write_off(nm, "-1")
    [report] = [outbound(row) for row in await reports(nm)]
    async with client_for(nm) as client:
        await client.prepare([report])
        [first] = await client.send([report])
        [second] = await client.send([report])
    assert first.status == second.status == ResultStatus.SENT
    assert first.state_ids == second.state_ids
    assert bt.log.last("inventory_adjust").errorcode == 907
    assert len(bt.state.list_adjustments()) == 1
    assert_clean(bt)


async def test_a_not_found_replay_in_other_words_lets_the_report_go_once(nm, bt):
    """The manual only says an unknown nonce gives "a not found error": any refusal of the
    replay means nothing was stored, whatever its code and wording."""
    bt.config.nonce_not_found_code = 17
    bt.config.nonce_not_found_message = "No transaction is recorded for that token."
    await write_off(nm, "-1")
    bt.faults.http_500(action="inventory_adjust", apply=False)

    assert (await drain(nm)).deferred == 1
    await make_due(nm)
    assert (await drain(nm)).sent == 1

    assert bt.log.last("nonce_replay").errorcode == 17
    assert len(bt.state.list_adjustments()) == 1
    assert bt.state.quantity(TAG) == 9
    assert_clean(bt)


async def test_a_report_whose_fate_stays_unknown_is_retried_then_failed_visibly(nm, bt):
    await write_off(nm, "-1")
    bt.faults.http_500(action="inventory_adjust", apply=False)
    bt.faults.http_500(times=50, action="nonce_replay")  # BioTrack cannot answer the lookup

    assert (await drain(nm)).deferred == 1
    await make_due(nm)
    assert (await drain(nm)).deferred == 1
    [report] = await reports(nm)
    assert report["outcome_unknown"]
    assert "cannot tell yet whether BioTrack applied it" in report["last_error"]
    assert len(bt.log.entries("inventory_adjust")) == 1  # never sent blind a second time

    async with db.connection() as conn:  # four days later, past the deadline and the grace
        await conn.execute(
            "UPDATE state_report SET deadline_at = now() - interval '4 days',"
            " next_attempt_at = now() WHERE location = $1",
            nm.location_id,
        )
    assert (await drain(nm)).failed == 1
    [report] = await reports(nm)
    assert report["status"] == "failed"
    assert "gave up retrying after the deadline" in report["last_error"]


async def test_a_permanent_http_refusal_fails_at_once_with_its_status_and_the_next_goes(nm, bt):
    await write_off(nm, "-1")
    await write_off(nm, "-2")
    bt.answer_mode = GeneratedAnswers(
        {"inventory_adjust": [Answer(422, None, "Unprocessable Entity: bad barcode"), REAL]}
    )

    result = await drain(nm)

    assert (result.failed, result.sent) == (1, 1)
    refused, second = await reports(nm)
    assert refused["status"] == "failed"
    assert "422" in refused["last_error"]
    assert "bad barcode" in refused["last_error"]
    assert second["status"] == "sent"
    assert bt.state.quantity(TAG) == 8


@pytest.mark.parametrize("status", [408, 409, 423, 425, 429])
async def test_a_not_now_http_answer_is_retried_and_applied_once(nm, bt, status):
    await write_off(nm, "-1")
    bt.answer_mode = GeneratedAnswers({"inventory_adjust": [Answer(status, None, "later"), REAL]})

    assert (await drain(nm)).deferred == 1
    assert (await reports(nm))[0]["status"] == "pending"
    await make_due(nm)
    assert (await drain(nm)).sent == 1
    assert bt.state.quantity(TAG) == 9
