"""BioTrack may answer in any of its documented shapes; our books stay true whatever it says.

The BioTrack double answers from ``tests/doubles/biotrack/generated.py`` (``success`` 1 or 0
with any code and wording, a missing or null ``transactionid``, odd ``sync_inventory`` rows, a
login without a usable session, 5xx pages, empty bodies, leaked header text), mixed with its
realistic answers, while sales, voids, returns, adjustments, moves and reconciliation run
through the real services and sync engine. After each example, as for METRC:

(a) no request BioTrack would refuse as malformed was sent (the double validates as always);
(b) nothing but a typed refusal escapes drain or reconciliation;
(c) no report is marked sent unless BioTrack answered its write (or the nonce replay) with
    ``success: 1``;
(d) a return never refunds more than was returned, and never voids the sale.

Examples per test: ``LEAFLEDGER_STATE_ANSWER_EXAMPLES`` (see ``state_answers.EXAMPLES``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import db
from domain.compliance import reconcile, sync
from domain.inventory import stock
from domain.inventory.model import AdjustmentReason
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from tests.compliance import state_answers as judge
from tests.compliance.biotrack_fixtures import (
    FLOOR_ROOM,
    VAULT_ROOM,
    BioTrackStore,
    build_nm_store,
    transfer,
)
from tests.doubles.biotrack import BioTrackDouble, ErrorCode, run_biotrack_double
from tests.doubles.biotrack.generated import Answer, GeneratedAnswers, scripts
from tests.support.units import new_uow
from tests.support.world import add_package

ACTIONS_OF = {
    "sale": ("sale_dispense",),
    "void": ("sale_void",),
    "return": ("sale_refund",),
    "adjust": ("inventory_adjust",),
    "destroy": ("inventory_adjust", "inventory_destroy_schedule"),
    "move": ("inventory_move",),
}
SESSION = {"login": 2, "nonce_replay": 2}
_cases = itertools.count(1)


@pytest.fixture
def bt() -> Iterator[BioTrackDouble]:
    with run_biotrack_double() as double:
        yield double


@pytest.fixture
async def nm(clean_db: str, bt: BioTrackDouble) -> BioTrackStore:
    # Illinois: a BioTrack state whose purchase limits we have (NM has none, so cannot sell).
    return await build_nm_store(bt, state="IL")


async def _case(nm: BioTrackStore) -> str:
    """A fresh example: a new barcode, 10 g in the vault and 5 g on the floor here and at
    BioTrack, an empty outbox, the double reset (rooms re-made)."""
    tag = f"41573611{next(_cases):08d}"  # apart from the fixtures' tags
    async with db.connection() as conn:
        for table in ("state_report", "state_sync"):
            await conn.execute(f"DELETE FROM {table} WHERE location = $1", nm.location_id)
    async with db.connection() as conn:
        product_id, batch_id = await conn.fetchrow(
            "SELECT p.product, p.batch FROM package p WHERE p.location = $1 LIMIT 1",
            nm.location_id,
        )
    await add_package(
        nm.as_(Role.ADMIN),
        nm.location_id,
        tag,
        product_id,
        batch_id,
        {nm.zone(ZoneKind.VAULT): Decimal(10), nm.zone(ZoneKind.SALES_FLOOR): Decimal(5)},
    )
    async with db.connection() as conn:
        await conn.execute("DELETE FROM state_report WHERE location = $1", nm.location_id)
    nm.bt.reset()
    nm.bt.state.add_room(nm.bt.license_number, VAULT_ROOM, "Vault")
    nm.bt.add_item(tag, 15, uom="g", room=FLOOR_ROOM, product_name="Blue Dream 3.5g")
    return tag


def _tags(tag: str) -> st.SearchStrategy[str]:
    return st.sampled_from((tag, "4157360000000099"))


async def _sell(nm: BioTrackStore, tag: str, grams: str) -> None:
    await sales.record_sale(
        new_uow(),
        nm.as_(Role.BUDTENDER),
        sales.RecordSale(
            location_id=nm.location_id,
            register="R1",
            pos_receipt_id=f"S-{tag}",
            customer_type=CustomerType.ADULT_USE,
            customer_key=f"cust-{tag}",
            lines=[sales.SaleLineInput(tag, Decimal(grams), Decimal("15.00"))],
        ),
    )


async def _drain(nm: BioTrackStore, rounds: int = 3) -> None:
    for _ in range(rounds):
        await judge.entry("drain", sync.drain(new_uow(), nm.location_id, owner="prop"))
        async with db.connection() as conn:
            await conn.execute(
                "UPDATE state_report SET next_attempt_at = now() WHERE location = $1",
                nm.location_id,
            )


def _said_yes(entry: Any) -> bool:
    body = entry.response
    return entry.status_code == 200 and isinstance(body, dict) and str(body.get("success")) == "1"


async def _judge(nm: BioTrackStore, returned: Decimal | None = None) -> None:
    bt = nm.bt
    entries = bt.log.entries()
    # (a) A session id a drawn login answer handed out (empty, null, garbled) is refused as
    # "never issued": the client only used what BioTrack gave it, so that is not its fault.
    mode = bt.answer_mode
    drawn_login = mode is not None and any(action == "login" for action, _ in mode.given)
    bad = [
        f"{e.action}: {e.body!r:.200} -> {e.raw_response[:120]!r}"
        for e in bt.invalid_requests
        if not (drawn_login and e.errorcode == ErrorCode.SESSION_INVALID)
    ]
    assert not bad, "requests BioTrack would refuse as malformed:\n" + "\n".join(bad)
    reports = await judge.reports(nm.location_id)
    # (c)
    replayed = any(e.action == "nonce_replay" and _said_yes(e) for e in entries)
    for report in reports:
        if report["status"] != "sent" or report["kind"] not in ACTIONS_OF:
            continue
        writes = [e for e in entries if e.action in ACTIONS_OF[report["kind"]]]
        assert any(_said_yes(e) for e in writes) or replayed, (
            f"{report['kind']} report marked sent though BioTrack never said yes: "
            + "; ".join(f"{e.action} -> {e.status_code} {e.raw_response[:100]!r}" for e in entries)
        )
    # (d)
    if returned is not None:
        assert not [e for e in entries if e.action == "sale_void"], "a return voided the sale"
        for entry in (e for e in entries if e.action == "sale_refund"):
            lines = entry.body.get("data") if isinstance(entry.body, dict) else None
            refunded = sum(
                (abs(Decimal(str(line.get("quantity", 0)))) for line in lines or []), Decimal(0)
            )
            assert refunded <= returned, f"refunded {refunded} of {returned} returned"


@judge.EXAMPLES
@given(data=st.data())
async def test_a_biotrack_sale_is_marked_sent_only_when_biotrack_said_yes(nm, data):
    tag = await _case(nm)
    await _sell(nm, tag, "2")
    nm.bt.answer_mode = data.draw(scripts({**SESSION, "sale_dispense": 2}, _tags(tag)))
    await _drain(nm)
    await _judge(nm)


@judge.EXAMPLES
@given(data=st.data())
async def test_a_biotrack_void_or_return_sends_no_more_than_was_undone(nm, data):
    tag = await _case(nm)
    await _sell(nm, tag, "3")
    if data.draw(st.booleans(), label="sale reached BioTrack first"):
        await _drain(nm, rounds=1)
    returned = data.draw(st.sampled_from((None, "1", "3")), label="returned (None: void)")
    counts = {**SESSION, "sale_dispense": 1, "sale_void": 2, "sale_refund": 2}
    nm.bt.answer_mode = data.draw(scripts(counts, _tags(tag)))
    if returned is None:
        await voids.void_sale(
            new_uow(),
            nm.as_(Role.BUDTENDER),
            voids.VoidSale(nm.location_id, "R1", f"S-{tag}", "rang up twice", f"void-{tag}"),
        )
    else:
        await voids.return_sale(
            new_uow(),
            nm.as_(Role.BUDTENDER),
            voids.ReturnSale(
                nm.location_id,
                "R1",
                f"S-{tag}",
                [voids.ReturnLine(tag, Decimal(returned))],
                "sealed, unopened",
                idempotency_key=f"return-{tag}",
            ),
        )
    await _drain(nm)
    await _judge(nm, Decimal(returned) if returned is not None else None)


@judge.EXAMPLES
@given(data=st.data())
async def test_a_biotrack_adjustment_or_move_is_marked_sent_only_when_biotrack_said_yes(nm, data):
    tag = await _case(nm)
    what = data.draw(st.sampled_from(("write-off", "write-on", "move")), label="change")
    counts = {**SESSION, "sync_inventory": 2, "inventory_adjust": 2, "inventory_move": 2}
    nm.bt.answer_mode = data.draw(scripts(counts, _tags(tag)))
    if what == "move":
        await transfer(nm, tag, ZoneKind.VAULT, ZoneKind.SALES_FLOOR, "1")
    else:
        await _write_off(nm, tag, "-1.5" if what == "write-off" else "2")
    await _drain(nm)
    await _judge(nm)


async def _write_off(nm: BioTrackStore, tag: str, grams: str) -> None:
    await stock.adjust_stock(
        new_uow(),
        nm.as_(Role.MANAGER),
        stock.AdjustStock(
            nm.location_id,
            tag,
            nm.zone(ZoneKind.VAULT),
            Decimal(grams),
            AdjustmentReason.DAMAGE if grams.startswith("-") else AdjustmentReason.COUNT_CORRECTION,
        ),
    )


@judge.EXAMPLES
@given(data=st.data())
async def test_biotrack_reconciliation_survives_any_inventory_biotrack_may_send(nm, data):
    tag = await _case(nm)
    nm.bt.answer_mode = data.draw(scripts({**SESSION, "sync_inventory": 2}, _tags(tag)))
    summary = await judge.entry("reconcile", reconcile.reconcile(new_uow(), nm.location_id))
    assert summary is not None
    assert summary.status in ("finished", "failed", "skipped")
    await _judge(nm)


# A NUL character (JSON's "\u0000") in a row's text: PostgreSQL text cannot hold it, so the row
# becomes a malformed-record discrepancy (the NUL written as \u0000) and the run goes on.
@pytest.mark.parametrize(
    "odd", [{"productname": "\0"}, {"id": "41573600000\00099"}], ids=["name", "id"]
)
async def test_an_inventory_row_holding_a_nul_character_becomes_a_malformed_record(nm, odd):
    await _case(nm)
    row = {
        "id": "4157360000000099",
        "transactionid": 5,
        "remaining_quantity": 1,
        "productname": "Blue Dream",
        **odd,
    }
    nm.bt.answer_mode = GeneratedAnswers(
        {"sync_inventory": [Answer(200, {"success": 1, "inventory": [row]})]}
    )

    summary = await reconcile.reconcile(new_uow(), nm.location_id)

    assert summary.status == "finished", summary.error
    async with db.connection() as conn:
        causes = await conn.fetch(
            "SELECT suspected_cause FROM discrepancy"
            " WHERE location = $1 AND kind = 'malformed_state_record'",
            nm.location_id,
        )
    assert [c["suspected_cause"] for c in causes if "NUL character" in c["suspected_cause"]]
