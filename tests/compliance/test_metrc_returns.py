"""A customer brings product back: our books put it in quarantine, and METRC's copy of the sale
ends up saying what the customer kept, once, however often the report is retried."""

from __future__ import annotations

from decimal import Decimal

from domain import db
from domain.compliance import sync
from domain.inventory import stock
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from tests.support.units import new_uow


async def _sell(world, grams: str) -> None:
    """Restock 5 g to the floor and sell ``grams`` of it on receipt R-1."""
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
            lines=[sales.SaleLineInput(world.tag, Decimal(grams), Decimal("10.00"))],
        ),
    )


async def _return(world, grams: str, key: str) -> None:
    await voids.return_sale(
        new_uow(),
        world.as_(Role.BUDTENDER),
        voids.ReturnSale(
            world.ca.location_id,
            "R1",
            "R-1",
            [voids.ReturnLine(world.tag, Decimal(grams))],
            "sealed, unopened; customer changed their mind",
            idempotency_key=key,
        ),
    )


async def _drain(world) -> sync.DrainResult:
    return await sync.drain(new_uow(), world.ca.location_id, owner="test")


async def _statuses(world) -> list[tuple[str, str]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT kind, status FROM state_report WHERE location = $1 ORDER BY id",
            world.ca.location_id,
        )
    return [(r["kind"], r["status"]) for r in rows]


async def _make_due(world) -> None:
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE state_report SET next_attempt_at = now() WHERE location = $1",
            world.ca.location_id,
        )


async def test_a_partial_return_brings_metrcs_receipt_down_to_what_the_customer_kept(world, metrc):
    await _sell(world, "3")
    await _drain(world)
    assert metrc.state.package(world.tag).quantity == Decimal(7)

    await _return(world, "1", "ret-1")
    result = await _drain(world)

    assert result.sent == 1
    assert await _statuses(world) == [("sale", "sent"), ("return", "sent")]
    [receipt] = metrc.state.receipts()
    assert [(t.package_label, t.quantity) for t in receipt.transactions] == [(world.tag, 2)]
    assert receipt.transactions[0].total_amount == Decimal("20.00")
    assert metrc.state.package(world.tag).quantity == Decimal(8)
    metrc.log.assert_no_violations()


async def test_a_return_whose_answer_was_lost_is_not_taken_back_twice(world, metrc):
    await _sell(world, "3")
    await _drain(world)
    await _return(world, "1", "ret-1")
    metrc.faults.hang(3, apply=True, method="PUT")

    assert (await _drain(world)).deferred == 1
    await _make_due(world)
    assert (await _drain(world)).sent == 1

    [receipt] = metrc.state.receipts()
    assert receipt.transactions[0].quantity == 2
    assert metrc.state.package(world.tag).quantity == Decimal(8)


async def test_returning_everything_voids_metrcs_receipt(world, metrc):
    await _sell(world, "3")
    await _drain(world)
    await _return(world, "1", "ret-1")
    await _return(world, "2", "ret-2")

    assert (await _drain(world)).sent == 2

    [receipt] = metrc.state.receipts()
    assert receipt.voided
    assert metrc.state.package(world.tag).quantity == Decimal(10)
    metrc.log.assert_no_violations()


async def test_a_return_on_a_finalized_receipt_fails_with_metrcs_words(world, metrc):
    await _sell(world, "3")
    await _drain(world)
    [receipt] = metrc.state.receipts()
    metrc.state.set_final(receipt.license_number, [{"id": receipt.id}], True)
    await _return(world, "1", "ret-1")

    await _drain(world)

    assert await _statuses(world) == [("sale", "sent"), ("return", "failed")]
    async with db.connection() as conn:
        error = await conn.fetchval("SELECT last_error FROM state_report WHERE kind = 'return'")
    assert "finalized" in error
    assert metrc.state.package(world.tag).quantity == Decimal(7)
