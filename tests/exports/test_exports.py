"""A bookkeeper downloads the month's four CSVs; the figures are worked out here by hand."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain import db
from domain.inventory import ledger
from domain.inventory.model import AdjustmentReason, MovementKind
from domain.organisation.model import ZoneKind
from domain.receiving import completion, sessions, shipments
from domain.receiving.model import Answer, Decision
from domain.roles import Role
from domain.sales import sales, voids
from domain.sales.model import CustomerType
from tests.api.test_rate_limits import limited  # noqa: F401 (a fixture)
from tests.support.units import new_uow
from tests.support.world import add_product

LA = ZoneInfo("America/Los_Angeles")
D = Decimal


def _at(text: str) -> datetime:
    """A Los Angeles wall-clock time (the CA store's)."""
    return datetime.fromisoformat(text).replace(tzinfo=LA)


async def _csv(api, path: str, token: str | None) -> tuple[int, list[dict[str, str]], str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await api.http.get(path, headers=headers)
    if response.status_code != 200:
        return response.status_code, [], response.text
    text = response.text
    return 200, list(csv.DictReader(io.StringIO(text))), text


async def _zone(world, kind: ZoneKind) -> ledger.ZoneRef:
    async with db.connection() as conn:
        name = await conn.fetchval("SELECT name FROM zone WHERE id = $1", world.ca.zone(kind))
    return ledger.ZoneRef(world.ca.zone(kind), world.ca.location_id, kind, name)


async def _package(world, tag: str, product_id: int, unit_cost: Decimal | None) -> int:
    """A package brought over from the store's previous system (its history posted below)."""
    async with db.connection() as conn:
        return await conn.fetchval(
            "INSERT INTO package (location, tag, product, unit, status, unit_cost, movement_count,"
            " last_hash, created_at) VALUES ($1, $2, $3, 'grams', 'active', $4, 0, $5, now())"
            " RETURNING id",
            world.ca.location_id,
            tag,
            product_id,
            unit_cost,
            ledger.hashchain.GENESIS,
        )


async def _post(world, when: str, *drafts: ledger.Draft) -> None:
    actor = world.as_(Role.INVENTORY_LEAD).user_id
    async with new_uow() as uow:
        posting = ledger.Posting(actor_id=actor, occurred_at=_at(when), report=False)
        await ledger.post(uow, list(drafts), posting)


@pytest.fixture
async def november(world):
    """November at the CA store: two packages received, moved, written off and on; one
    write-off late on the 30th (already 1 December in UTC) and one early on 1 December."""
    lead = world.as_(Role.INVENTORY_LEAD)
    og, _ = await add_product(lead, "OG-BULK")
    haze, _ = await add_product(lead, "HAZE-BULK")  # product cost 5.5000
    a = await _package(world, "1A4FF0100000055000000001", og, D("4.2500"))
    b = await _package(world, "1A4FF0100000055000000002", haze, None)
    vault, floor = await _zone(world, ZoneKind.VAULT), await _zone(world, ZoneKind.SALES_FLOOR)
    await _post(
        world, "2026-10-31T18:00", ledger.Draft(a, MovementKind.RECEIVE, D(100), None, vault)
    )
    await _post(
        world, "2026-11-02T09:00", ledger.Draft(b, MovementKind.RECEIVE, D(50), None, vault)
    )
    await _post(
        world, "2026-11-10T12:00", ledger.Draft(a, MovementKind.TRANSFER, D(30), vault, floor)
    )
    damage = AdjustmentReason.DAMAGE
    await _post(
        world,
        "2026-11-15T08:00",
        ledger.Draft(a, MovementKind.ADJUST, D("2.5"), floor, None, damage),
    )
    fix = AdjustmentReason.COUNT_CORRECTION
    await _post(
        world, "2026-11-20T08:00", ledger.Draft(b, MovementKind.ADJUST, D("1.25"), None, vault, fix)
    )
    await _post(
        world, "2026-11-30T23:30", ledger.Draft(b, MovementKind.ADJUST, D(4), vault, None, damage)
    )
    await _post(
        world, "2026-12-01T00:30", ledger.Draft(a, MovementKind.ADJUST, D(7), floor, None, damage)
    )
    return world


async def test_the_valuation_at_the_close_of_the_30th_is_rebuilt_from_the_ledger(api, november):
    world = november
    status, rows, text = await _csv(
        api,
        f"/exports/inventory-valuation.csv?location={world.ca.location_id}&date=2026-11-30",
        world.ca.token(Role.AUDITOR),
    )
    assert status == 200, text
    assert text.splitlines()[0] == (
        "zone,zone_kind,tag,sku,product,category,unit,quantity,unit_cost,value"
    )
    got = {
        (r["tag"][-1], r["zone_kind"]): (r["quantity"], r["unit_cost"], r["value"]) for r in rows
    }
    # a: 100 in, 30 to the floor, 2.5 written off there (the 7 on 1 December is not yet);
    # b: 50 in, +1.25 found, 4 written off at 23:30 on the 30th (07:30 UTC on the 1st).
    assert got == {
        ("1", "vault"): ("70.000", "4.2500", "297.50"),
        ("1", "sales_floor"): ("27.500", "4.2500", "116.88"),
        ("2", "vault"): ("47.250", "5.5000", "259.88"),
    }
    # The month's form gives the same close.
    _, by_month, _ = await _csv(
        api,
        f"/exports/inventory-valuation.csv?location={world.ca.location_id}&month=2026-11",
        world.ca.token(Role.AUDITOR),
    )
    assert [r for r in by_month if r["tag"].endswith(("1", "2"))] == [
        r for r in rows if r["tag"].endswith(("1", "2"))
    ]


async def test_adjustments_by_reason_net_write_offs_against_write_ons(api, november):
    world = november
    status, rows, text = await _csv(
        api,
        f"/exports/adjustments-by-reason.csv?location={world.ca.location_id}&month=2026-11",
        world.ca.token(Role.COMPLIANCE),
    )
    assert status == 200, text
    assert [(r["reason"], r["unit"], r["movements"]) for r in rows] == [
        ("count_correction", "grams", "1"),
        ("damage", "grams", "2"),
    ]
    damage = rows[1]
    # 2.5 g of a at 4.25 and 4 g of b at 5.50 (the product's cost: b has none of its own).
    assert (damage["written_off"], damage["written_on"], damage["net_quantity"]) == (
        "6.500",
        "0.000",
        "-6.500",
    )
    assert (damage["value_written_off"], damage["net_value"]) == ("32.63", "-32.63")
    assert (rows[0]["written_on"], rows[0]["value_written_on"]) == ("1.250", "6.88")


def _line(tag: str, quantity: str, price: str, discount: str = "0") -> sales.SaleLineInput:
    return sales.SaleLineInput(tag, D(quantity), D(price), discount=D(discount))


async def _sell(world, receipt: str, *lines: sales.SaleLineInput) -> None:
    await sales.record_sale(
        new_uow(),
        world.as_(Role.BUDTENDER),
        sales.RecordSale(
            world.ca.location_id, "R1", receipt, CustomerType.ADULT_USE, list(lines), "cust-9"
        ),
    )


async def test_sales_by_product_and_day_net_out_voids_and_returns(api, world):
    from tests.sales.helpers import floor_package

    tag_a, _ = await floor_package(world, "20")
    tag_b, _ = await floor_package(world, "20")
    await _sell(world, "S1", _line(tag_a, "3", "10.00", "1.50"), _line(tag_b, "1", "20.00"))
    await _sell(world, "S2", _line(tag_a, "2", "10.00"))
    await _sell(world, "S3", _line(tag_b, "2", "20.00", "4.00"))
    await voids.void_sale(
        new_uow(), world.as_(Role.MANAGER), voids.VoidSale(world.ca.location_id, "R1", "S2", "typo")
    )
    await voids.return_sale(
        new_uow(),
        world.as_(Role.MANAGER),
        voids.ReturnSale(
            world.ca.location_id, "R1", "S3", [voids.ReturnLine(tag_b, D(1))], "did not like it"
        ),
    )
    # S1 was rung up yesterday (local).
    async with db.connection() as conn:
        await conn.execute(
            "UPDATE sale SET occurred_at = occurred_at - interval '1 day'"
            " WHERE pos_receipt_id = 'S1'"
        )
    today = datetime.now(LA).date()
    yesterday = today - timedelta(days=1)
    status, rows, text = await _csv(
        api,
        f"/exports/sales-by-product.csv?location={world.ca.location_id}"
        f"&from={yesterday.isoformat()}&to={today.isoformat()}",
        world.ca.token(Role.MANAGER),
    )
    assert status == 200, text
    assert text.splitlines()[0] == (
        "day,sku,product,category,unit,units,gross,discounts,net,cost,margin,lines"
    )
    got = {
        (r["day"], r["sku"]): (
            r["units"],
            r["gross"],
            r["discounts"],
            r["net"],
            r["cost"],
            r["margin"],
        )
        for r in rows
    }
    async with db.connection() as conn:
        sku = dict(
            await conn.fetch(
                "SELECT p.tag, pr.sku FROM package p JOIN product pr ON pr.id = p.product"
                " WHERE p.tag = ANY($1::text[])",
                [tag_a, tag_b],
            )
        )
    y, t = yesterday.isoformat(), today.isoformat()
    # Product cost 5.50 a gram. S1: 3 g of a at 10 less 1.50; 1 g of b at 20.
    # S2 (a, today) was voided: kept 0. S3: 2 g of b at 20 less 4.00, 1 g returned: 1 g kept,
    # 20.00 gross, half the discount (2.00).
    assert got == {
        (y, sku[tag_a]): ("3.000", "30.00", "1.50", "28.50", "16.50", "12.00"),
        (y, sku[tag_b]): ("1.000", "20.00", "0.00", "20.00", "5.50", "14.50"),
        (t, sku[tag_a]): ("0.000", "0.00", "0.00", "0.00", "0.00", "0.00"),
        (t, sku[tag_b]): ("1.000", "20.00", "2.00", "18.00", "5.50", "12.50"),
    }


async def test_receiving_by_vendor_counts_what_was_accepted_rejected_and_its_cost(api, world):
    lead = world.as_(Role.INVENTORY_LEAD)
    product_id, _ = await add_product(lead, "RCV-1")
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            world.ca.location_id,
            "MAN-77",
            [
                shipments.ManifestPackage(
                    "1A4FF0100000066000000001",
                    "Bulk",
                    D(100),
                    "grams",
                    product_id=product_id,
                    unit_cost=D("3.1000"),
                ),
                shipments.ManifestPackage(
                    "1A4FF0100000066000000002",
                    "Bulk",
                    D(50),
                    "grams",
                    product_id=product_id,
                    unit_cost=D("3.1000"),
                ),
                shipments.ManifestPackage(
                    "1A4FF0100000066000000003", "Bulk", D(25), "grams", product_id=product_id
                ),
            ],
            shipper_license="C11-0000042-LIC",
            shipper_name="Emerald Farms",
        ),
    )
    session = await sessions.start_receiving(
        new_uow(), lead, sessions.StartReceiving(created.value.shipment_id)
    )
    session_id = session.value.session_id
    for item in await sessions.checklist_for(world.ca.location_id):
        await sessions.answer_checklist(
            new_uow(), lead, sessions.AnswerChecklist(session_id, item.key, Answer.YES)
        )
    scans = [
        sessions.ScanPackage(session_id, "1A4FF0100000066000000001", Decision.ACCEPT),
        sessions.ScanPackage(
            session_id,
            "1A4FF0100000066000000002",
            Decision.PARTIAL,
            received_quantity=D(45),
            reason="5 g short",
        ),
        sessions.ScanPackage(
            session_id, "1A4FF0100000066000000003", Decision.REJECT, reason="seal broken"
        ),
    ]
    for scan in scans:
        await sessions.scan_package(new_uow(), lead, scan)
    await completion.complete_receiving(new_uow(), lead, completion.CompleteReceiving(session_id))
    today = datetime.now(LA).date().isoformat()
    status, rows, text = await _csv(
        api,
        f"/exports/receiving-by-vendor.csv?location={world.ca.location_id}&from={today}&to={today}",
        world.ca.token(Role.ADMIN),
    )
    assert status == 200, text
    assert rows == [
        {
            "vendor": "Emerald Farms",
            "vendor_license": "C11-0000042-LIC",
            "unit": "grams",
            "shipments": "1",
            "packages": "3",
            "rejected_packages": "1",
            "shipped": "175.000",
            "accepted": "145.000",
            "rejected": "30.000",
            "cost": "449.50",  # 145 g at 3.10 (the rejected package's cost is not owed)
        }
    ]


@pytest.mark.parametrize("role", [Role.BUDTENDER, Role.INVENTORY_LEAD])
async def test_floor_staff_get_403_and_no_figures(api, november, role):
    world = november
    for report in ("inventory-valuation", "sales-by-product", "adjustments-by-reason"):
        status, rows, body = await _csv(
            api,
            f"/exports/{report}.csv?location={world.ca.location_id}&month=2026-11",
            world.ca.token(role),
        )
        assert (status, rows) == (403, [])
        assert "4.2500" not in body
        assert "damage" not in body


async def test_another_stores_staff_and_strangers_are_refused(api, november):
    world = november
    path = f"/exports/adjustments-by-reason.csv?location={world.ca.location_id}&month=2026-11"
    assert (await _csv(api, path, world.co.token(Role.ADMIN)))[0] == 403
    assert (await _csv(api, path, None))[0] == 401
    assert (await _csv(api, path, "not-a-token"))[0] == 401
    # A location that does not exist looks like one you may not see.
    assert (
        await _csv(
            api, path.replace(str(world.ca.location_id), "999999"), world.ca.token(Role.ADMIN)
        )
    )[0] == 403


async def test_bad_parameters_are_a_400_and_unknown_reports_a_404(api, world):
    token = world.ca.token(Role.AUDITOR)
    loc = world.ca.location_id
    for query in (
        "month=2026-13",
        "from=2026-11-02",
        "from=2026-12-01&to=2026-11-01",
        "month=2026-11&from=2026-11-01",
        "from=2020-01-01&to=2026-01-01",
    ):
        status, _, body = await _csv(
            api, f"/exports/sales-by-product.csv?location={loc}&{query}", token
        )
        assert status == 400, (query, body)
    assert (await _csv(api, "/exports/sales-by-product.csv?month=2026-11", token))[0] == 400
    assert (await _csv(api, f"/exports/payroll.csv?location={loc}&month=2026-11", token))[0] == 404


EXPORTERS = {Role.MANAGER, Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN}


@pytest.mark.parametrize("role", list(Role))
async def test_exactly_manager_compliance_auditor_and_admin_may_export(api, world, role):
    path = f"/exports/receiving-by-vendor.csv?location={world.ca.location_id}&month=2026-11"
    status, _, body = await _csv(api, path, world.ca.token(role))
    assert status == (200 if role in EXPORTERS else 403), body
    if role not in EXPORTERS:
        assert body.startswith('{"error"')


async def test_downloads_count_against_the_callers_rate_limit(limited, world):  # noqa: F811
    client = await limited(rate_limit_user=2)
    path = f"/exports/adjustments-by-reason.csv?location={world.ca.location_id}&month=2026-11"
    headers = {"Authorization": f"Bearer {world.ca.token(Role.AUDITOR)}"}
    async with client() as http:
        statuses = [(await http.get(path, headers=headers)).status_code for _ in range(3)]
        refused = await http.get(path, headers=headers)
    assert statuses == [200, 200, 429]
    assert int(refused.headers["retry-after"]) >= 1
