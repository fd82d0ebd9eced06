"""Reporting to METRC: every change the state must hear about arrives once, in order, or is
shown to people with METRC's own words."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from domain import db
from domain.compliance import sync
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from tests.support.units import new_uow


async def _write_off(
    world, grams: str, reason=AdjustmentReason.DAMAGE, note="dropped on the floor"
) -> None:
    await stock.adjust_stock(
        new_uow(),
        world.as_(Role.MANAGER),
        stock.AdjustStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            Decimal(f"-{grams}"),
            reason,
            note=note,
        ),
    )


async def _reports(world) -> list[dict]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT id, kind, status, attempts, last_error, external_id, payload"
            " FROM state_report WHERE location = $1 ORDER BY id",
            world.ca.location_id,
        )
    return [dict(r) for r in rows]


async def _drain(world) -> sync.DrainResult:
    return await sync.drain(new_uow(), world.ca.location_id, owner="test")


async def _make_due(world) -> None:
    """Skip the backoff wait (tests do not sleep through it)."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE state_report SET next_attempt_at = now() WHERE location = $1",
            world.ca.location_id,
        )


async def test_a_damage_write_off_reaches_metrc_as_an_adjustment(world, metrc):
    await _write_off(world, "1.5")
    [report] = await _reports(world)
    assert report["status"] == "pending"

    result = await _drain(world)

    assert result.sent == 1
    assert metrc.state.package(world.tag).quantity == Decimal("8.5")
    [adjustment] = metrc.state.adjustments()
    assert adjustment.note.startswith(report["external_id"])
    assert (await _reports(world))[0]["status"] == "sent"
    metrc.log.assert_no_violations()


async def test_transfers_between_zones_are_not_reported_to_metrc(world, metrc):
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(2),
        ),
    )
    assert await _reports(world) == []


async def test_a_long_theft_note_is_cut_to_metrcs_200_characters(world, metrc):
    await _write_off(world, "1", AdjustmentReason.THEFT, note="camera 3 shows " + "x" * 400)
    await _drain(world)
    [adjustment] = metrc.state.adjustments()
    assert len(adjustment.note) <= 200
    metrc.log.assert_no_violations()


async def test_a_rate_limited_report_waits_and_is_sent_once(world, metrc):
    await _write_off(world, "1")
    metrc.faults.rate_limit(retry_after=30, method="POST")

    first = await _drain(world)
    [report] = await _reports(world)
    assert first.deferred == 1
    assert report["status"] == "pending"
    assert "429" in report["last_error"]

    await _make_due(world)
    assert (await _drain(world)).sent == 1
    assert len(metrc.state.adjustments()) == 1


async def test_an_adjustment_whose_answer_was_lost_is_read_back_not_resent(world, metrc):
    await _write_off(world, "2")
    # METRC applies the adjustment but the answer never arrives before our timeout.
    metrc.faults.hang(3, apply=True, method="POST")

    first = await _drain(world)
    assert first.deferred == 1
    await _make_due(world)
    second = await _drain(world)

    assert second.sent == 1
    assert len(metrc.state.adjustments()) == 1
    assert metrc.state.package(world.tag).quantity == Decimal(8)


async def test_a_503_page_is_retried_and_arrives_once(world, metrc):
    await _write_off(world, "1")
    metrc.faults.unavailable(method="POST")
    assert (await _drain(world)).deferred == 1
    await _make_due(world)
    assert (await _drain(world)).sent == 1
    assert len(metrc.state.adjustments()) == 1
    assert metrc.state.package(world.tag).quantity == Decimal(9)


async def test_a_refused_report_is_marked_failed_with_metrcs_words_and_the_next_goes(world, metrc):
    await _write_off(world, "1")
    await _write_off(world, "2")
    metrc.faults.row_error("Package 1A4FF0100000022000000123 is on hold.", row=0, method="POST")

    await _drain(world)
    await _make_due(world)
    await _drain(world)

    first, second = await _reports(world)
    assert first["status"] == "failed"
    assert "on hold" in first["last_error"]
    assert second["status"] == "sent"
    assert metrc.state.package(world.tag).quantity == Decimal(8)


async def test_while_metrc_is_down_reports_queue_in_order_and_go_when_it_returns(world, metrc):
    for grams in ("1", "2", "3"):
        await _write_off(world, grams)
    metrc.faults.down()
    assert (await _drain(world)).sent == 0
    metrc.faults.up()
    await _make_due(world)
    await _drain(world)

    quantities = [a.quantity for a in metrc.state.adjustments()]
    assert quantities == [Decimal(-1), Decimal(-2), Decimal(-3)]
    assert all(r["status"] == "sent" for r in await _reports(world))


async def test_two_drainers_never_send_the_same_report(world, metrc):
    for grams in ("1", "1", "1", "1"):
        await _write_off(world, grams)
    results = await asyncio.gather(
        sync.drain(new_uow(), world.ca.location_id, owner="a"),
        sync.drain(new_uow(), world.ca.location_id, owner="b"),
    )
    assert sum(r.sent for r in results) == 4
    assert len(metrc.state.adjustments()) == 4


SYNC_STATUS = """query($loc: ID!) { syncStatus(locationId: $loc) {
  pending failed lastSuccessAt lastError lastErrorAt } }"""


async def _sync_status(world, api) -> dict:
    result = await api(
        SYNC_STATUS, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.COMPLIANCE)
    )
    assert result.get("errors") is None, result
    return result["data"]["syncStatus"]


async def test_a_permanent_refusal_fails_at_once_and_sync_status_shows_it_with_its_time(
    world, metrc, api
):
    await _write_off(world, "1")
    metrc.faults.status(
        422, {"Message": "The request is invalid."}, method="POST", path="/packages/v2/adjust"
    )

    result = await _drain(world)

    assert (result.failed, result.deferred) == (1, 0)
    [report] = await _reports(world)
    assert report["status"] == "failed"
    assert "422" in report["last_error"]
    status = await _sync_status(world, api)
    assert status["lastSuccessAt"] is None, "a drain that only failed is no success"
    assert "422" in status["lastError"]
    assert status["lastErrorAt"] is not None

    await _write_off(world, "1")
    assert (await _drain(world)).sent == 1
    after = await _sync_status(world, api)
    assert after["lastSuccessAt"] is not None
    assert after["lastError"] == status["lastError"]  # kept, and older than the success
    assert after["lastErrorAt"] == status["lastErrorAt"] < after["lastSuccessAt"]


async def test_each_status_metrc_may_answer_is_retried_or_failed_as_documented(world, metrc):
    """The table in docs/compliance.md: "not now" and connection trouble are retried and the
    report arrives once; a 4xx about the request fails at once, with the status in its error."""
    retried = (401, 403, 408, 409, 423, 425, 429, 500, 502, 503, 504)
    permanent = (402, 404, 405, 410, 413, 415, 422, 501)
    for code in retried + permanent:
        await _write_off(world, "0.1")
        metrc.faults.status(code, {"Message": f"answer {code}"}, method="POST", path="/packages/")
        result = await _drain(world)
        if code in retried:
            assert (result.deferred, result.failed) == (1, 0), code
            await _make_due(world)
            assert (await _drain(world)).sent == 1, code
        else:
            assert (result.failed, result.deferred) == (1, 0), code
            assert str(code) in (await _reports(world))[-1]["last_error"]
    assert len(metrc.state.adjustments()) == len(retried)
    assert metrc.state.package(world.tag).quantity == Decimal(10) - Decimal("0.1") * len(retried)


def _quantity_null(body):
    return {**body, "Quantity": None} if isinstance(body, dict) else body


async def test_a_lost_adjustment_whose_package_reads_back_without_a_quantity_waits(world, metrc):
    await _write_off(world, "2")
    metrc.faults.hang(3, apply=True, method="POST")
    assert (await _drain(world)).deferred == 1
    # The read-back answers ``Quantity: null`` (the description allows it): nothing to tell by.
    metrc.faults.rewrite(_quantity_null, method="GET", path=f"/packages/v2/{world.tag}")

    await _make_due(world)
    unsure = await _drain(world)

    assert (unsure.sent, unsure.deferred) == (0, 1)
    (report,) = await _reports(world)
    assert report["status"] == "pending"
    assert "cannot tell yet" in report["last_error"]
    await _make_due(world)
    assert (await _drain(world)).sent == 1
    assert len(metrc.state.adjustments()) == 1
    assert metrc.state.package(world.tag).quantity == Decimal(8)


async def test_a_refusal_whose_words_hold_a_nul_character_is_recorded_escaped(world, metrc):
    await _write_off(world, "1")
    await _write_off(world, "2")
    # A 400's rows are parsed JSON: a "\u0000" in their message is a real NUL character.
    metrc.faults.row_error("Package\0 is wrong", row=0, method="POST")

    await _drain(world)
    await _make_due(world)
    await _drain(world)

    first, second = await _reports(world)
    assert first["status"] == "failed"
    assert "Package\\u0000 is wrong" in first["last_error"]
    assert second["status"] == "sent"
    async with db.connection() as conn:
        shown = await conn.fetchval(
            "SELECT last_error FROM state_sync WHERE location = $1", world.ca.location_id
        )
    assert "Package\\u0000 is wrong" in shown
