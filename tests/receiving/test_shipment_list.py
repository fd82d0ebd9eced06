"""The office's list of inbound shipments: each with its manifest and dock session, at a cost
that does not grow with the number of shipments on the page (a per-shipment query slipping in
shows up here)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from domain import db
from domain.receiving import sessions, shipments
from domain.receiving.model import Answer
from domain.roles import Role
from tests.support.units import new_uow

SHIPMENTS = """query($loc: ID!, $first: Int!) { shipments(locationId: $loc, first: $first) {
  edges { node { manifestNumber status packages { tag shippedQuantity decision }
    session { status driverName answers { key answer } } } } } }"""

# principal + shipments page + manifests + sessions + checklist answers
EXPECTED_STATEMENTS = 5


async def _expect(world, n: int, *, received: bool) -> None:
    lead = world.as_(Role.INVENTORY_LEAD)
    created = await shipments.create_shipment(
        new_uow(),
        lead,
        shipments.CreateShipment(
            location_id=world.ca.location_id,
            manifest_number=f"M-{n}",
            packages=[
                shipments.ManifestPackage(
                    f"1A4FF01000000660{n:02d}{i:06d}", "Flower", Decimal(i), "grams"
                )
                for i in (1, 2)
            ],
            shipper_name="Emerald Farms",
        ),
    )
    if received:
        opened = await sessions.start_receiving(
            new_uow(),
            lead,
            sessions.StartReceiving(created.value.shipment_id, driver_name=f"Driver {n}"),
        )
        await sessions.answer_checklist(
            new_uow(),
            lead,
            sessions.AnswerChecklist(opened.value.session_id, "seals_intact", Answer.YES),
        )


async def _page(api, world, first: int) -> tuple[list[dict], int]:
    with db.count_queries() as log:
        result = await api(
            SHIPMENTS,
            {"loc": str(world.ca.location_id), "first": first},
            token=world.ca.token(Role.AUDITOR),
        )
        await asyncio.sleep(0)  # asyncpg reports statements on the next loop turn
    assert "errors" not in result, result
    return [e["node"] for e in result["data"]["shipments"]["edges"]], len(log)


async def test_the_shipment_list_shows_each_manifest_and_session_at_a_fixed_cost(api, world):
    for n in range(12):
        await _expect(world, n, received=n % 2 == 0)

    few, few_statements = await _page(api, world, 2)
    many, many_statements = await _page(api, world, 12)

    assert few_statements == many_statements == EXPECTED_STATEMENTS
    assert few == many[:2]
    assert [s["manifestNumber"] for s in many] == [f"M-{n}" for n in reversed(range(12))]
    newest_received, newest = many[1], many[0]
    assert newest["session"] is None
    assert [p["tag"] for p in newest["packages"]] == [
        "1A4FF0100000066011000001",
        "1A4FF0100000066011000002",
    ]
    assert newest_received["status"] == "receiving"
    assert newest_received["session"] == {
        "status": "open",
        "driverName": "Driver 10",
        "answers": [{"key": "seals_intact", "answer": "yes"}],
    }
