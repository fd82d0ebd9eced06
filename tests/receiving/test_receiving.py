"""Receiving a METRC manifest at the dock: what enters stock, where, and what to tell METRC."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from domain import db, errors
from domain.organisation.model import ZoneKind
from domain.receiving import completion, sessions, shipments
from domain.receiving.model import Answer, Decision
from domain.roles import Role
from tests.doubles.metrc import DeliveryPackage
from tests.support.ledger_checks import assert_ledger_balances
from tests.support.units import new_uow
from tests.support.world import add_product

SHORT = "1A4FF0100000044000000001"
NO_COA = "1A4FF0100000044000000002"
DAMAGED = "1A4FF0100000044000000003"


async def _manifest(world, metrc) -> int:
    lead = world.as_(Role.INVENTORY_LEAD)
    for sku in ("Blue Dream Bulk", "Sour Diesel Bulk"):
        product_id, _ = await add_product(lead, sku.replace(" ", "-"))
        async with db.connection() as conn:
            await conn.execute("UPDATE product SET name = $2 WHERE id = $1", product_id, sku)
    metrc.state.add_transfer(
        [
            DeliveryPackage(SHORT, "Blue Dream Bulk", 100),
            DeliveryPackage(NO_COA, "Sour Diesel Bulk", 50, lab_testing_state="NotSubmitted"),
            DeliveryPackage(DAMAGED, "Blue Dream Bulk", 25),
        ],
        manifest_number="0000012345",
    )
    assert await shipments.pull_incoming(new_uow(), world.ca.location_id) == 1
    async with db.connection() as conn:
        return await conn.fetchval("SELECT id FROM shipment WHERE manifest_number = '0000012345'")


async def _open(world, shipment_id: int, answer_all: bool = True) -> int:
    lead = world.as_(Role.INVENTORY_LEAD)
    session = await sessions.start_receiving(
        new_uow(),
        lead,
        sessions.StartReceiving(shipment_id, driver_name="R. Diaz", vehicle="7ABC123"),
    )
    if answer_all:
        for item in await sessions.checklist_for(world.ca.location_id):
            await sessions.answer_checklist(
                new_uow(),
                lead,
                sessions.AnswerChecklist(session.value.session_id, item.key, Answer.YES),
            )
    return session.value.session_id


async def _scan_all(world, session_id: int) -> None:
    lead = world.as_(Role.INVENTORY_LEAD)
    await sessions.scan_package(
        new_uow(),
        lead,
        sessions.ScanPackage(
            session_id,
            SHORT,
            Decision.PARTIAL,
            received_quantity=Decimal(95),
            reason="bag weighed 95 g",
        ),
    )
    await sessions.scan_package(
        new_uow(), lead, sessions.ScanPackage(session_id, NO_COA, Decision.ACCEPT)
    )
    await sessions.scan_package(
        new_uow(),
        lead,
        sessions.ScanPackage(session_id, DAMAGED, Decision.REJECT, reason="seal broken"),
    )


async def _balances() -> dict[str, dict[str, Decimal]]:
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT p.tag, z.kind, sb.quantity FROM stock_balance sb JOIN package p"
            " ON p.id = sb.package JOIN zone z ON z.id = sb.zone"
            " WHERE p.tag LIKE '1A4FF01000000440%'"
        )
    out: dict[str, dict[str, Decimal]] = {}
    for r in rows:
        out.setdefault(r["tag"], {})[r["kind"]] = r["quantity"]
    return out


async def test_a_short_package_a_missing_coa_and_a_rejection_land_exactly_right(world, metrc):
    shipment_id = await _manifest(world, metrc)
    session_id = await _open(world, shipment_id)
    await _scan_all(world, session_id)

    done = await completion.complete_receiving(
        new_uow(), world.as_(Role.INVENTORY_LEAD), completion.CompleteReceiving(session_id)
    )

    assert await _balances() == {
        SHORT: {"vault": Decimal(95)},
        NO_COA: {"quarantine": Decimal(50)},
    }
    assert done.value.rejected == [DAMAGED]
    task = {p["tag"]: p for p in done.value.state_task["packages"]}
    assert (task[SHORT]["action"], task[SHORT]["received_quantity"]) == ("accept", "95.000")
    assert (task[NO_COA]["action"], task[NO_COA]["received_quantity"]) == ("accept", "50.000")
    assert (task[DAMAGED]["action"], task[DAMAGED]["reason"]) == ("reject", "seal broken")
    async with db.connection() as conn:
        lab = await conn.fetchval(
            "SELECT b.lab_status FROM package p JOIN batch b ON b.id = p.batch WHERE p.tag = $1",
            NO_COA,
        )
    assert lab == "pending"
    await assert_ledger_balances()
    metrc.log.assert_no_violations()


async def test_two_tablets_scanning_one_tag_record_one_scan(world, metrc):
    session_id = await _open(world, await _manifest(world, metrc))
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    results = await asyncio.gather(
        sessions.scan_package(
            new_uow(), lead, sessions.ScanPackage(session_id, SHORT, Decision.ACCEPT)
        ),
        sessions.scan_package(
            new_uow(), manager, sessions.ScanPackage(session_id, SHORT, Decision.ACCEPT)
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, errors.AlreadyScanned) for r in results) == 1
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM package_scan") == 1


async def test_a_tag_not_on_the_manifest_and_a_heavy_bag_get_typed_answers(world, metrc):
    session_id = await _open(world, await _manifest(world, metrc))
    lead, manager = world.as_(Role.INVENTORY_LEAD), world.as_(Role.MANAGER)
    with pytest.raises(errors.TagNotOnManifest):
        await sessions.scan_package(
            new_uow(),
            lead,
            sessions.ScanPackage(session_id, "1A4FF0100000044000000999", Decision.ACCEPT),
        )
    heavy = sessions.ScanPackage(session_id, SHORT, Decision.ACCEPT, measured_quantity=Decimal(90))
    with pytest.raises(errors.WeightOutsideTolerance):
        await sessions.scan_package(new_uow(), lead, heavy)
    with pytest.raises(errors.PermissionDenied):
        await sessions.scan_package(
            new_uow(),
            lead,
            sessions.ScanPackage(
                session_id,
                SHORT,
                Decision.ACCEPT,
                measured_quantity=Decimal(90),
                override_reason="scale recalibrated",
            ),
        )
    await sessions.scan_package(
        new_uow(),
        manager,
        sessions.ScanPackage(
            session_id,
            SHORT,
            Decision.ACCEPT,
            measured_quantity=Decimal(90),
            override_reason="scale recalibrated",
        ),
    )


async def test_completing_twice_or_too_early_or_into_another_store_writes_nothing(world, metrc):
    shipment_id = await _manifest(world, metrc)
    lead = world.as_(Role.INVENTORY_LEAD)
    session_id = await _open(world, shipment_id, answer_all=False)
    await _scan_all(world, session_id)
    with pytest.raises(errors.ReceivingIncomplete) as incomplete:
        await completion.complete_receiving(
            new_uow(), lead, completion.CompleteReceiving(session_id)
        )
    assert any("Seals are intact" in m for m in incomplete.value.missing)
    for item in await sessions.checklist_for(world.ca.location_id):
        await sessions.answer_checklist(
            new_uow(), lead, sessions.AnswerChecklist(session_id, item.key, Answer.YES)
        )
    with pytest.raises(errors.NotFound):
        await completion.complete_receiving(
            new_uow(),
            lead,
            completion.CompleteReceiving(session_id, vault_zone_id=world.co.zone(ZoneKind.VAULT)),
        )
    assert await _balances() == {}

    await completion.complete_receiving(new_uow(), lead, completion.CompleteReceiving(session_id))
    with pytest.raises(errors.AlreadyCompleted):
        await completion.complete_receiving(
            new_uow(), lead, completion.CompleteReceiving(session_id)
        )
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM movement WHERE kind = 'receive'") == 2


SCORECARD = """
query($loc: ID!, $since: DateTime!, $until: DateTime!) {
  vendorScorecard(locationId: $loc, since: $since, until: $until) {
    vendor shipperLicense shipments packages shortPackages rejectedPackages shipped received
  }
}
"""


async def test_the_vendor_scorecard_shows_the_shippers_short_and_rejected_packages(
    world, metrc, api
):
    shipment_id = await _manifest(world, metrc)
    session_id = await _open(world, shipment_id)
    await _scan_all(world, session_id)
    await completion.complete_receiving(
        new_uow(), world.as_(Role.INVENTORY_LEAD), completion.CompleteReceiving(session_id)
    )

    result = await api(
        SCORECARD,
        {
            "loc": str(world.ca.location_id),
            "since": "2020-01-01T00:00:00+00:00",
            "until": "2100-01-01T00:00:00+00:00",
        },
        token=world.ca.token(Role.MANAGER),
    )

    assert result.get("errors") is None, result
    assert result["data"]["vendorScorecard"] == [
        {
            "vendor": "Emerald Distribution",
            "shipperLicense": "C11-0000999-LIC",
            "shipments": 1,
            "packages": 3,
            "shortPackages": 1,
            "rejectedPackages": 1,
            "shipped": "175.000",
            "received": "145.000",
        }
    ]


PULL = """mutation($loc: ID!) { pullIncomingShipments(locationId: $loc) {
  __typename ... on ShipmentCount { created skipped { manifestNumber reason } } } }"""


async def test_one_unreadable_manifest_is_skipped_and_named_and_the_others_arrive(
    world, metrc, api
):
    """METRC may send ``DeliveryId: null`` or a package without a positive ShippedQuantity;
    each such manifest is named in the answer and the others still reach the dock."""
    good = metrc.state.add_transfer(
        [DeliveryPackage(SHORT, "Blue Dream Bulk", 100)], manifest_number="0000000001"
    )
    no_delivery = metrc.state.add_transfer(
        [DeliveryPackage(NO_COA, "Blue Dream Bulk", 10)], manifest_number="0000000002"
    )
    metrc.state.add_transfer(
        [DeliveryPackage(DAMAGED, "Blue Dream Bulk", 0)], manifest_number="0000000003"
    )
    unshipped = metrc.state.add_transfer(
        [DeliveryPackage("1A4FF0100000044000000004", "Blue Dream Bulk", 5)],
        manifest_number="0000000004",
    )

    def null_delivery(answer: dict) -> None:
        for row in answer["Data"]:
            if row["ManifestNumber"] == no_delivery.manifest_number:
                row["DeliveryId"] = None

    def null_quantity(answer: dict) -> None:
        for row in answer["Data"]:
            row["ShippedQuantity"] = None

    metrc.faults.rewrite(null_delivery, count=20, path="/transfers/v2/incoming")
    unshipped_packages = f"/transfers/v2/deliveries/{unshipped.deliveries[0].id}/packages"
    metrc.faults.rewrite(null_quantity, path=unshipped_packages)

    result = await api(
        PULL, {"loc": str(world.ca.location_id)}, token=world.ca.token(Role.INVENTORY_LEAD)
    )

    answer = result["data"]["pullIncomingShipments"]
    assert answer["__typename"] == "ShipmentCount", result
    assert answer["created"] == 1
    skipped = {s["manifestNumber"]: s["reason"] for s in answer["skipped"]}
    assert set(skipped) == {"0000000002", "0000000003", "0000000004"}
    assert "DeliveryId" in skipped["0000000002"]
    assert "shipped quantity 0 is not a positive number" in skipped["0000000003"]
    assert "shipped quantity None" in skipped["0000000004"]
    async with db.connection() as conn:
        manifests = await conn.fetch("SELECT manifest_number FROM shipment ORDER BY id")
    assert [m["manifest_number"] for m in manifests] == [good.manifest_number]
    assert not any("None" in r.path for r in metrc.log), "an id of None went into a URL"
    metrc.log.assert_no_violations()


PULL_DOWN = """mutation($loc: ID!) { pullIncomingShipments(locationId: $loc) {
  __typename ... on StateSystemUnavailable { system detail } } }"""


async def test_a_pull_while_metrc_is_down_says_so_and_imports_nothing(world, metrc, api):
    metrc.state.add_transfer(
        [DeliveryPackage(SHORT, "Blue Dream Bulk", 100)], manifest_number="0000000001"
    )
    metrc.faults.down()
    result = await api(
        PULL_DOWN,
        {"loc": str(world.ca.location_id)},
        token=world.ca.token(Role.INVENTORY_LEAD),
    )
    metrc.faults.up()

    answer = result["data"]["pullIncomingShipments"]
    assert answer["__typename"] == "StateSystemUnavailable", result
    assert answer["system"] == "metrc"
    assert "503" in answer["detail"]
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM shipment") == 0
