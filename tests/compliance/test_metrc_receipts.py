"""A sale's receipt at METRC is found again however METRC answers the lookup, and a void or a
return never reaches METRC as more than what happened at the counter (issue 9, findings 1, 3, 7).

METRC's POST /sales/v2/receipts may answer an empty 200 (no ids), and its lookups may answer an
empty list or ``Data: null``; the double is told to answer those ways here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain import db, events
from domain.compliance import sync
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from tests.doubles.metrc import WriteAnswer
from tests.support.units import new_uow, publishing

EMPTY = {"Data": [], "Total": 0, "TotalRecords": 0, "PageSize": 0, "RecordsOnPage": 0}


@pytest.fixture
def alerts() -> Iterator[list[events.ComplianceAlertRaised]]:
    published: list[events.ComplianceAlertRaised] = []

    async def collect(batch) -> None:
        published.extend(e for e in batch if isinstance(e, events.ComplianceAlertRaised))

    with publishing(collect):
        yield published


async def _sell(world, grams: str, **money: Decimal) -> None:
    """Restock 5 g to the floor and sell ``grams`` of it on receipt R-1 at 10.00 a gram."""
    await stock.transfer_stock(
        new_uow(),
        world.as_(Role.INVENTORY_LEAD),
        stock.TransferStock(
            world.ca.location_id,
            world.tag,
            world.ca.zone(ZoneKind.VAULT),
            world.ca.zone(ZoneKind.SALES_FLOOR),
            Decimal(5),
        ),
    )
    await sales.record_sale(
        new_uow(),
        world.as_(Role.BUDTENDER),
        sales.RecordSale(
            location_id=world.ca.location_id,
            register="R1",
            pos_receipt_id="R-1",
            customer_type=CustomerType.ADULT_USE,
            customer_key="cust-1",
            lines=[sales.SaleLineInput(world.tag, Decimal(grams), Decimal("10.00"), **money)],
        ),
    )


async def _return(world, grams: str) -> None:
    await voids.return_sale(
        new_uow(),
        world.as_(Role.BUDTENDER),
        voids.ReturnSale(
            world.ca.location_id,
            "R1",
            "R-1",
            [voids.ReturnLine(world.tag, Decimal(grams))],
            "sealed, unopened; customer changed their mind",
            idempotency_key="ret-1",
        ),
    )


async def _void(world) -> None:
    await voids.void_sale(
        new_uow(),
        world.as_(Role.BUDTENDER),
        voids.VoidSale(world.ca.location_id, "R1", "R-1", "rang up the wrong customer"),
    )


async def _drain(world) -> sync.DrainResult:
    return await sync.drain(new_uow(), world.ca.location_id, owner="test")


async def _report(world, kind: str) -> dict:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, last_error, state_ids, snapshot FROM state_report"
            " WHERE location = $1 AND kind = $2",
            world.ca.location_id,
            kind,
        )
    return dict(row)


async def _make_due(world, *, searched_for: timedelta | None = None) -> None:
    """Skip the backoff wait; with ``searched_for``, as if the first attempt was that long ago."""
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE state_report SET next_attempt_at = now() WHERE location = $1",
            world.ca.location_id,
        )
        if searched_for is not None:
            began = (datetime.now(UTC) - searched_for).isoformat()
            await conn.execute(
                "UPDATE state_report SET snapshot = $2 WHERE location = $1"
                " AND kind IN ('void', 'return')",
                world.ca.location_id,
                {"first_attempt_at": began},
            )


def _writes(metrc) -> list[tuple[str, str]]:
    return [(e.method, e.path) for e in metrc.log if e.method != "GET"]


def _lookups_find_nothing(metrc, count: int = 1) -> None:
    """METRC answers every receipt lookup with nothing, as the description allows."""
    metrc.faults.answer({"Data": None}, count=count, path="/sales/v2/receipts/external/")
    metrc.faults.answer(EMPTY, count=count, path="/sales/v2/receipts/active")
    metrc.faults.answer(EMPTY, count=count, path="/sales/v2/receipts/inactive")


# -- finding 1: a partial return never becomes a void ---------------------------------------


async def test_a_partial_return_stays_partial_when_metrcs_lookup_answers_data_null(world, metrc):
    metrc.settings.write_answer = WriteAnswer.EMPTY  # the POST tells us no receipt id
    await _sell(world, "3")
    await _drain(world)
    await _return(world, "1")
    metrc.faults.answer({"Data": None}, path="/sales/v2/receipts/external/")

    assert (await _drain(world)).sent == 1

    [receipt] = metrc.state.receipts()
    assert not receipt.voided
    assert [(t.package_label, t.quantity) for t in receipt.transactions] == [(world.tag, 2)]
    assert metrc.state.package(world.tag).quantity == Decimal(8)
    assert _writes(metrc) == [("POST", "/sales/v2/receipts"), ("PUT", "/sales/v2/receipts")]
    assert not any("None" in e.path for e in metrc.log)
    metrc.log.assert_no_violations()


async def test_a_return_that_cannot_see_its_receipt_lines_changes_nothing_at_metrc(
    world, metrc, alerts
):
    metrc.settings.write_answer = WriteAnswer.EMPTY
    await _sell(world, "3")
    await _drain(world)
    [receipt] = metrc.state.receipts()
    await _return(world, "1")
    # METRC's copy comes back without its lines (transactions are nullable).
    copy = {"Id": receipt.id, "ExternalReceiptNumber": receipt.external_receipt_number}
    lookup = {"Data": [{**copy, "Transactions": None}]}
    metrc.faults.answer(lookup, count=2, path="/sales/v2/receipts/external/")

    assert (await _drain(world)).deferred == 1
    assert (await _report(world, "return"))["status"] == "pending"
    await _make_due(world, searched_for=timedelta(hours=2))
    await _drain(world)

    report = await _report(world, "return")
    assert report["status"] == "failed"
    assert "no readable transactions" in report["last_error"]
    assert [a.kind for a in alerts] == ["report_failed"]
    assert _writes(metrc) == [("POST", "/sales/v2/receipts")]
    assert metrc.state.package(world.tag).quantity == Decimal(7)


# -- finding 3: a sent receipt is found again, "not found yet" is retried, then failed -----------


async def test_a_void_finds_a_receipt_posted_without_ids_when_the_number_lookup_is_empty(
    world, metrc
):
    metrc.settings.write_answer = WriteAnswer.EMPTY
    await _sell(world, "3")
    await _drain(world)
    assert (await _report(world, "sale"))["state_ids"] == []
    await _void(world)
    metrc.faults.answer(EMPTY, path="/sales/v2/receipts/external/")

    assert (await _drain(world)).sent == 1

    [receipt] = metrc.state.receipts()
    assert receipt.voided
    assert metrc.state.package(world.tag).quantity == Decimal(10)
    assert (await _report(world, "void"))["state_ids"] == [str(receipt.id)]
    metrc.log.assert_no_violations()


async def test_a_void_whose_receipt_is_not_listed_yet_is_retried_until_metrc_lists_it(world, metrc):
    metrc.settings.write_answer = WriteAnswer.EMPTY
    await _sell(world, "3")
    await _drain(world)
    await _void(world)
    _lookups_find_nothing(metrc)

    assert (await _drain(world)).deferred == 1
    report = await _report(world, "void")
    assert report["status"] == "pending"
    assert "does not list the receipt" in report["last_error"]
    assert "yet" in report["last_error"]

    await _make_due(world)
    assert (await _drain(world)).sent == 1
    assert metrc.state.receipts()[0].voided


async def test_a_void_whose_receipt_never_shows_up_fails_for_a_person_after_the_search_bound(
    world, metrc, alerts
):
    metrc.settings.write_answer = WriteAnswer.EMPTY
    await _sell(world, "3")
    await _drain(world)
    await _void(world)
    _lookups_find_nothing(metrc, count=3)

    await _drain(world)
    await _make_due(world, searched_for=timedelta(minutes=30))
    await _drain(world)
    assert (await _report(world, "void"))["status"] == "pending"
    await _make_due(world, searched_for=timedelta(hours=2))
    await _drain(world)

    report = await _report(world, "void")
    assert report["status"] == "failed"
    assert "after searching METRC for 1 h" in report["last_error"]
    assert [(a.kind, a.report_kind) for a in alerts] == [("report_failed", "void")]
    assert not metrc.state.receipts()[0].voided  # nothing was deleted on a guess
    assert _writes(metrc) == [("POST", "/sales/v2/receipts")]


# -- finding 7: an update carries every field the POST did ------------------------------------


async def test_a_partial_return_keeps_the_sales_discount_and_taxes_at_metrc(world, metrc):
    money = {"discount": Decimal("3.00"), "sales_tax": Decimal("2.70")}
    await _sell(world, "3", excise_tax=Decimal("4.50"), **money)
    await _drain(world)
    await _return(world, "1")

    assert (await _drain(world)).sent == 1

    [receipt] = metrc.state.receipts()
    [line] = receipt.transactions
    assert (line.quantity, line.total_amount) == (2, Decimal("18.00"))  # (30 - 3) * 2/3
    assert line.other == {"discountAmount": 2, "salesTax": 1.8, "exciseTax": 3}
    [posted] = [e.body[0] for e in metrc.log if e.method == "POST"]
    [updated] = [e.body[0] for e in metrc.log if e.method == "PUT"]
    assert set(updated) == set(posted) | {"Id"}
    assert set(updated["Transactions"][0]) == set(posted["Transactions"][0])
    assert updated["SalesDateTime"] == posted["SalesDateTime"]
    metrc.log.assert_no_violations()


async def test_a_sale_whose_post_answers_a_null_id_keeps_no_receipt_id(world, metrc):
    await _sell(world, "3")
    metrc.faults.answer({"Ids": [None], "Warnings": []}, method="POST", path="/sales/v2/receipts")

    await _drain(world)

    assert (await _report(world, "sale"))["state_ids"] == []


async def test_a_void_whose_answer_was_lost_is_not_refused_when_resent(world, metrc):
    await _sell(world, "3")
    await _drain(world)
    await _void(world)
    metrc.faults.hang(3, apply=True, method="DELETE")

    assert (await _drain(world)).deferred == 1
    await _make_due(world)
    assert (await _drain(world)).sent == 1

    assert (await _report(world, "void"))["status"] == "sent"
    assert metrc.state.receipts()[0].voided
    assert metrc.state.package(world.tag).quantity == Decimal(10)
