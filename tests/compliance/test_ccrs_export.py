"""A Washington store's weekly CCRS files say exactly what the ledger says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain import db
from domain.compliance import ccrs_export
from domain.inventory import ledger, stock
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from plugins.builtin import ccrs_files as ccrs
from tests.support.units import new_uow
from tests.support.world import add_package, add_product, build_store

FLOWER, GUMMIES = "WA-FLOWER-0001", "WA-GUMMY-0002"


async def _wa_store():
    store = await build_store(
        "Cascade", "412345", "WA", "America/Los_Angeles", "ccrs", "cascade.test"
    )
    lead = store.users[Role.INVENTORY_LEAD]
    product, batch = await add_product(lead, "WA-OG")
    floor = store.zone(ZoneKind.SALES_FLOOR)
    await add_package(lead, store.location_id, FLOWER, product, batch, {floor: Decimal(28)})
    await add_package(lead, store.location_id, GUMMIES, product, batch, {floor: Decimal(10)})
    return store


async def _sell(store, tag: str, grams: str, receipt: str) -> None:
    """A sale posted the way the sales service posts it (its line facts ride on the drafts)."""
    async with db.connection() as conn:
        package_id = await conn.fetchval("SELECT id FROM package WHERE tag = $1", tag)
    zone = ledger.ZoneRef(
        store.zone(ZoneKind.SALES_FLOOR), store.location_id, ZoneKind.SALES_FLOOR, "Sales Floor"
    )
    uow = new_uow()
    async with uow:
        await ledger.post(
            uow,
            [
                ledger.Draft(
                    package_id,
                    MovementKind.SALE,
                    Decimal(grams),
                    from_zone=zone,
                    report_data={"unit_price": "10.00", "sales_tax": "1.00", "excise_tax": "3.70"},
                )
            ],
            ledger.Posting(
                store.users[Role.BUDTENDER].user_id,
                source_document=receipt,
                report_context={"customer_type": "adult_use"},
            ),
        )


async def test_the_weeks_files_parse_back_to_the_ledgers_numbers(clean_db):
    store = await _wa_store()
    manager = store.users[Role.MANAGER]
    floor = store.zone(ZoneKind.SALES_FLOOR)
    await stock.adjust_stock(
        new_uow(),
        manager,
        stock.AdjustStock(
            store.location_id, FLOWER, floor, Decimal("-1.5"), AdjustmentReason.DAMAGE
        ),
    )
    await stock.adjust_stock(
        new_uow(),
        manager,
        stock.AdjustStock(
            store.location_id, GUMMIES, floor, Decimal(-2), AdjustmentReason.THEFT, note="case 42"
        ),
    )
    await _sell(store, FLOWER, "3.5", "pos:1:1001")

    export = await ccrs_export.export_week(
        new_uow(), store.location_id, date.today(), "Dana Compliance"
    )

    files = {f.kind: ccrs.parse(f.content) for f in export.files}
    adjustments = files[ccrs.FileKind.INVENTORY_ADJUSTMENT].rows
    assert sorted(
        (a.inventory_external_identifier, a.quantity, a.adjustment_reason) for a in adjustments
    ) == [
        (FLOWER, Decimal("1.5"), ccrs.CcrsAdjustmentReason.DESTRUCTION),
        (GUMMIES, Decimal(2), ccrs.CcrsAdjustmentReason.THEFT),
    ]
    [sale] = files[ccrs.FileKind.SALE].rows
    assert (sale.inventory_external_identifier, sale.quantity, sale.unit_price) == (
        FLOWER,
        Decimal("3.5"),
        Decimal("10.00"),
    )
    on_hand = {
        i.external_identifier: i.quantity_on_hand for i in files[ccrs.FileKind.INVENTORY].rows
    }
    assert on_hand == {FLOWER: Decimal(23), GUMMIES: Decimal(8)}
    assert export.reports_filed == 3
    assert all(f.name.endswith(".csv") and "412345" in f.name for f in export.files)


async def test_exporting_the_week_again_files_nothing_twice(clean_db):
    store = await _wa_store()
    await stock.adjust_stock(
        new_uow(),
        store.users[Role.MANAGER],
        stock.AdjustStock(
            store.location_id,
            FLOWER,
            store.zone(ZoneKind.SALES_FLOOR),
            Decimal(-1),
            AdjustmentReason.DAMAGE,
        ),
    )
    first = await ccrs_export.export_week(new_uow(), store.location_id, date.today(), "Dana")
    again = await ccrs_export.export_week(new_uow(), store.location_id, date.today(), "Dana")
    assert first.reports_filed == 1
    assert again.reports_filed == 0
    assert [f.kind for f in again.files] == [f.kind for f in first.files]


async def _register_sale(store, grams: str) -> None:
    await sales.record_sale(
        new_uow(),
        store.users[Role.BUDTENDER],
        sales.RecordSale(
            location_id=store.location_id,
            register="R1",
            pos_receipt_id="R-7",
            customer_type=CustomerType.ADULT_USE,
            customer_key="wa-cust",
            lines=[sales.SaleLineInput(FLOWER, Decimal(grams), Decimal("10.00"))],
        ),
    )


async def _take_back(store, grams: str, key: str) -> None:
    await voids.return_sale(
        new_uow(),
        store.users[Role.BUDTENDER],
        voids.ReturnSale(
            store.location_id,
            "R1",
            "R-7",
            [voids.ReturnLine(FLOWER, Decimal(grams))],
            "wrong strain",
            idempotency_key=key,
        ),
    )


async def test_a_return_updates_the_sale_detail_to_what_the_customer_kept(clean_db):
    store = await _wa_store()
    await _register_sale(store, "3.5")
    await _take_back(store, "1", "ret-1")

    export = await ccrs_export.export_week(new_uow(), store.location_id, date.today(), "Dana")

    [sale_file] = [ccrs.parse(f.content) for f in export.files if f.kind == ccrs.FileKind.SALE]
    inserted, updated = sale_file.rows
    assert (inserted.operation, inserted.quantity) == (ccrs.Operation.INSERT, Decimal("3.5"))
    assert (updated.operation, updated.quantity) == (ccrs.Operation.UPDATE, Decimal("2.5"))
    assert updated.sale_detail_external_identifier == inserted.sale_detail_external_identifier

    await _take_back(store, "2.5", "ret-2")
    later = await ccrs_export.export_week(new_uow(), store.location_id, date.today(), "Dana")

    # The week's file again, now ending with the detail withdrawn (rows in the order they happened).
    [sale_file] = [ccrs.parse(f.content) for f in later.files if f.kind == ccrs.FileKind.SALE]
    assert [r.operation for r in sale_file.rows] == [
        ccrs.Operation.INSERT,
        ccrs.Operation.UPDATE,
        ccrs.Operation.DELETE,
    ]
    withdrawn = sale_file.rows[-1]
    assert withdrawn.sale_detail_external_identifier == inserted.sale_detail_external_identifier
